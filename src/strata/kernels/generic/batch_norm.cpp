// The BatchNorm plane loops, 4 floats at a time, compiled for the baseline (SSE2).
#include "../batch_norm_planes.hpp"

namespace strata::kernels {

const BatchNormKernels& GenericBatchNormKernels() {
  static const BatchNormKernels set = BatchNormPlanes<4>::Set();
  return set;
}

}  // namespace strata::kernels
