// The IDX reader (plain and gzip-compressed) on arbitrary bytes.
#include "fuzz_util.hpp"
#include "strata/errors.hpp"
#include "strata/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::fuzz::Init();
  const std::string path = strata::fuzz::WriteScratch(data, size, ".idx");
  try {
    strata::IdxArray array = strata::ReadIdxFile(path);
    size_t count = 1;
    for (int d : array.dims) count *= static_cast<size_t>(d);
    if (count != array.values.size()) __builtin_trap();  // the reader's own promise
  } catch (const strata::Error&) {
  }
  return 0;
}
