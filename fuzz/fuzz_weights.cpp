// The weights loader (format told by content: binary NetParameter or HDF5)
// and copying into a small net, on arbitrary bytes.
#include "fuzz_util.hpp"
#include "net.pb.h"
#include "strata/errors.hpp"
#include "strata/io.hpp"
#include "strata/net.hpp"
#include "strata/snapshot.hpp"

namespace {

const char* kNet = R"(name: "LeNet"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 28 dim: 28 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 20 kernel_size: 5 } }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "ip2" type: "InnerProduct" bottom: "pool1" top: "ip2" inner_product_param { num_output: 10 } }
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::fuzz::Init();
  static strata::Net* net = [] {
    strata::NetParameter param;
    strata::ParseProtoFromText(kNet, "net", &param);
    param.mutable_state()->set_phase(strata::TEST);
    return new strata::Net(param);
  }();
  const std::string path = strata::fuzz::WriteScratch(data, size, ".caffemodel");
  try {
    strata::NetParameter weights;
    strata::ReadWeights(path, &weights);
    net->CopyTrainedLayersFrom(weights);
  } catch (const strata::Error&) {
  }
  return 0;
}
