// The BatchNorm plane loops, 16 floats at a time, compiled for AVX-512 (-mavx512f).
#include "../batch_norm_planes.hpp"

namespace strata::kernels {

const BatchNormKernels& Avx512BatchNormKernels() {
  static const BatchNormKernels set = BatchNormPlanes<16>::Set();
  return set;
}

}  // namespace strata::kernels
