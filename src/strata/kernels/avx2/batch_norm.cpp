// The BatchNorm plane loops, 8 floats at a time, compiled for AVX2 + FMA (-mavx2 -mfma).
#include "../batch_norm_planes.hpp"

namespace strata::kernels {

const BatchNormKernels& Avx2BatchNormKernels() {
  static const BatchNormKernels set = BatchNormPlanes<8>::Set();
  return set;
}

}  // namespace strata::kernels
