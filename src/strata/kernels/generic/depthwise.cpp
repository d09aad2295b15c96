// The depthwise plane loop, 4 floats at a time, compiled for the baseline (SSE2).
#include "../depthwise_rows.hpp"

namespace strata::kernels {

const DepthwiseKernels& GenericDepthwiseKernels() {
  static const DepthwiseKernels set = DepthwiseRows<4>::Set();
  return set;
}

}  // namespace strata::kernels
