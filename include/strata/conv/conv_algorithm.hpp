// How a convolution computes its products: one value, chosen once per shape
// when the layer is reshaped (BaseConvolutionLayer), shown per layer by
// tools/time and tools/summary, and overridable for tests and benchmarks.
// Each value has its strategy (conv_strategy.hpp) in its own file pair:
//
//   kWinograd   winograd_conv: Winograd F(4x4, 5x5) and F(6x6, 3x3)
//               (winograd.hpp) for 5x5 and 3x3, stride 1, dilation 1, where
//               its count of work is below 0.6 of the direct product's
//   kPacked     packed_conv: Strata's packed products (packed_gemm.hpp),
//               reading the window in place where the kernel set can: small
//               weights, weights packed once (a TEST net's), or any size
//               where OpenBLAS's kernels are behind
//   kDepthwise  depthwise_conv: a direct kernel where group == input channels
//   kPointwise  pointwise_conv: 1x1 kernels with no padding, any stride, on
//               the packed kernels with no unfolding, where kPacked would run
//               and in every TEST net
//   kBatchedGemm batched_gemm_conv: im2col of the whole batch, one OpenBLAS
//               product over all its images, for large weights over small
//               output maps
//   kIm2colGemm im2col_gemm_conv: im2col, then math::Gemm (OpenBLAS): the rest
//
// A new algorithm is one more value here, its file pair, and one row in the
// table in conv_algorithm.cpp (with its rule in ChooseConvAlgorithm).
#pragma once

#include <memory>
#include <string>

#include "strata/conv/conv_shape.hpp"
#include "strata/packed_gemm.hpp"

namespace strata {

class ConvStrategy;

enum class ConvAlgorithm {
  kAuto,
  kIm2colGemm,
  kPacked,
  kWinograd,
  kDepthwise,
  kPointwise,
  kBatchedGemm
};

// What the choice looks at: the shape, and whether the layer may leave
// Caffe's algorithm (engine CAFFE asks for it; a deconvolution runs backwards).
struct ConvProblem {
  ConvShape shape;
  bool caffe_engine = false;
  bool deconvolution = false;
  // A TEST net's layer: its strategy packs the weights once, not every pass.
  bool fixed_weights = false;
};

// The algorithm for `problem`: the override (SetConvAlgorithmOverride) when
// one is set and applies, else the fastest by the rules above.
ConvAlgorithm ChooseConvAlgorithm(const ConvProblem& problem);
// The same rules, on a machine where OpenBLAS's kernels are or are not
// behind Strata's (OpenBlasKernelsBehind), without the override.
ConvAlgorithm ChooseConvAlgorithmFor(const ConvProblem& problem, bool openblas_behind);
// Whether `algorithm` can run `problem` at all.
bool ConvAlgorithmApplies(ConvAlgorithm algorithm, const ConvProblem& problem);
// Whether OpenBLAS runs kernels for an older CPU than the kernel set Strata
// uses (Debian's OpenBLAS 0.3.21 takes some AVX-512 Xeons for a Prescott and
// runs SSE3 kernels there, and an AMD EPYC with AVX-512 for a Haswell): then
// every convolution that Winograd does not take runs on the packed kernels,
// however large.
bool OpenBlasKernelsBehind();
// The rule, for a core name as openblas_get_corename() gives it: behind
// unless the core has AVX-512 kernels, or AVX2 ones where Strata's set is
// AVX2 (Strata's portable set is behind every core).
bool OpenBlasCoreBehind(const std::string& core, math::Isa strata_isa);
// A new strategy running `algorithm` (not kAuto), not yet reshaped.
std::unique_ptr<ConvStrategy> MakeConvStrategy(ConvAlgorithm algorithm);

// "im2col+gemm", "packed", "winograd", "depthwise", "pointwise", "batched-gemm"
// ("auto" for kAuto).
const char* ConvAlgorithmName(ConvAlgorithm algorithm);
// The inverse; ConfigError naming the choices for another name.
ConvAlgorithm ParseConvAlgorithm(const std::string& name);

// Process-wide, for tests and benchmarks: every convolution reshaped from now
// on uses `algorithm` where it applies (kAuto: choose). Starts from
// $STRATA_CONV_ALGORITHM when set.
void SetConvAlgorithmOverride(ConvAlgorithm algorithm);
ConvAlgorithm ConvAlgorithmOverride();

}  // namespace strata
