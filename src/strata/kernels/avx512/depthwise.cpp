// The depthwise plane loop, 16 floats at a time, compiled for AVX-512 (-mavx512f).
#include "../depthwise_rows.hpp"

namespace strata::kernels {

const DepthwiseKernels& Avx512DepthwiseKernels() {
  static const DepthwiseKernels set = DepthwiseRows<16>::Set();
  return set;
}

}  // namespace strata::kernels
