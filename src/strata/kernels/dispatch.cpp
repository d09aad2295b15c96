// The one CPU check and the one table of kernel sets.
#include "strata/kernels/batch_norm_kernels.hpp"
#include "strata/kernels/depthwise_kernels.hpp"
#include "strata/kernels/gemm_kernels.hpp"
#include "strata/kernels/winograd_kernels.hpp"

namespace strata::kernels {

math::Isa BestIsa() {
  static const math::Isa best = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return math::Isa::kAvx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return math::Isa::kAvx2;
    return math::Isa::kGeneric;
  }();
  return best;
}

const Kernels& KernelsFor(math::Isa isa) {
  switch (isa) {
    case math::Isa::kAvx512:
      return Avx512Kernels();
    case math::Isa::kAvx2:
      return Avx2Kernels();
    case math::Isa::kGeneric:
      break;
  }
  return GenericKernels();
}

const WinogradSteps& WinogradStepsFor(math::Isa isa, int kernel) {
  switch (isa) {
    case math::Isa::kAvx512:
      return Avx512WinogradSteps(kernel);
    case math::Isa::kAvx2:
      return Avx2WinogradSteps(kernel);
    case math::Isa::kGeneric:
      break;
  }
  return GenericWinogradSteps(kernel);
}

const BatchNormKernels& BatchNormKernelsFor(math::Isa isa) {
  switch (isa) {
    case math::Isa::kAvx512:
      return Avx512BatchNormKernels();
    case math::Isa::kAvx2:
      return Avx2BatchNormKernels();
    case math::Isa::kGeneric:
      break;
  }
  return GenericBatchNormKernels();
}

const DepthwiseKernels& DepthwiseKernelsFor(math::Isa isa) {
  switch (isa) {
    case math::Isa::kAvx512:
      return Avx512DepthwiseKernels();
    case math::Isa::kAvx2:
      return Avx2DepthwiseKernels();
    case math::Isa::kGeneric:
      break;
  }
  return GenericDepthwiseKernels();
}

}  // namespace strata::kernels
