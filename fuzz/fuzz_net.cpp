// The prototxt parser and Net construction (wiring, SetUp, Reshape of every
// layer) on arbitrary text. Any strata::Error is a correct answer; a crash,
// sanitizer report or other exception is a finding.
#include <string>

#include "fuzz_util.hpp"
#include "net.pb.h"
#include "strata/errors.hpp"
#include "strata/io.hpp"
#include "strata/net.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::fuzz::Init();
  const std::string text(reinterpret_cast<const char*>(data), size);
  // Layers that write files or read arbitrary paths are not ours to exercise here.
  for (const char* skip : {"HDF5Output", "source", "file_name", "mean_file"}) {
    if (text.find(skip) != std::string::npos) return 0;
  }
  try {
    strata::NetParameter param;
    strata::ParseProtoFromText(text, "fuzz.prototxt", &param);
    for (strata::Phase phase : {strata::TRAIN, strata::TEST}) {
      param.mutable_state()->set_phase(phase);
      strata::NetOptions options;
      strata::Net net(param, options);
      // A forward pass too, when it is small enough to be quick.
      if (net.activation_bytes() < (size_t{4} << 20)) net.Forward();
    }
  } catch (const strata::Error&) {
  }
  return 0;
}
