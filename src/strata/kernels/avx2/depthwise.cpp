// The depthwise plane loop, 8 floats at a time, compiled for AVX2 + FMA (-mavx2 -mfma).
#include "../depthwise_rows.hpp"

namespace strata::kernels {

const DepthwiseKernels& Avx2DepthwiseKernels() {
  static const DepthwiseKernels set = DepthwiseRows<8>::Set();
  return set;
}

}  // namespace strata::kernels
