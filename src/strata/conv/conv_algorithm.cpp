#include "strata/conv/conv_algorithm.hpp"

#include <cblas.h>

#include <atomic>
#include <cstdlib>

#include "strata/conv/batched_gemm_conv.hpp"
#include "strata/conv/depthwise_conv.hpp"
#include "strata/conv/im2col_gemm_conv.hpp"
#include "strata/conv/packed_conv.hpp"
#include "strata/conv/pointwise_conv.hpp"
#include "strata/conv/winograd_conv.hpp"
#include "strata/errors.hpp"

namespace strata {

namespace {

// In a TRAIN net the packed kernels win where a group's weights fit L2 with
// room to spare and an image's output is at most 1024 positions (B's rows
// then share pages); larger convolutions go to OpenBLAS, which packs B
// contiguously.
constexpr long long kMaxPackedWeights = 64 << 10;
constexpr int kMaxPackedSpatial = 1024;
// Past 1 MB of weights (half a core's L2) over at most 256 output positions,
// a product per image streams the weights for a few dozen or hundred
// columns: one product over the batch streams them once.
constexpr long long kMinBatchedWeights = 256 << 10;
constexpr int kMaxBatchedSpatial = 256;

// One row per algorithm: its value, name, where it applies, how to make it.
struct Entry {
  ConvAlgorithm algorithm;
  const char* name;
  bool (*applies)(const ConvProblem&);
  std::unique_ptr<ConvStrategy> (*make)();
};

template <class Strategy>
std::unique_ptr<ConvStrategy> Make() {
  return std::make_unique<Strategy>();
}

const Entry kAlgorithms[] = {
    {ConvAlgorithm::kIm2colGemm, "im2col+gemm", Im2colGemmConv::Applies, Make<Im2colGemmConv>},
    {ConvAlgorithm::kPacked, "packed", PackedConv::Applies, Make<PackedConv>},
    {ConvAlgorithm::kWinograd, "winograd", WinogradConv::Applies, Make<WinogradConv>},
    {ConvAlgorithm::kDepthwise, "depthwise", DepthwiseConv::Applies, Make<DepthwiseConv>},
    {ConvAlgorithm::kPointwise, "pointwise", PointwiseConv::Applies, Make<PointwiseConv>},
    {ConvAlgorithm::kBatchedGemm, "batched-gemm", BatchedGemmConv::Applies, Make<BatchedGemmConv>},
};

const Entry* Find(ConvAlgorithm algorithm) {
  for (const Entry& e : kAlgorithms) {
    if (e.algorithm == algorithm) return &e;
  }
  return nullptr;
}

ConvAlgorithm InitialOverride() {
  const char* name = std::getenv("STRATA_CONV_ALGORITHM");
  return name == nullptr || *name == '\0' ? ConvAlgorithm::kAuto : ParseConvAlgorithm(name);
}

std::atomic<ConvAlgorithm>& Override() {
  static std::atomic<ConvAlgorithm> algorithm{InitialOverride()};
  return algorithm;
}

}  // namespace

bool ConvAlgorithmApplies(ConvAlgorithm algorithm, const ConvProblem& problem) {
  if (algorithm == ConvAlgorithm::kAuto) return true;
  const Entry* e = Find(algorithm);
  return e != nullptr && e->applies(problem);
}

ConvAlgorithm ChooseConvAlgorithm(const ConvProblem& p) {
  const ConvAlgorithm forced = ConvAlgorithmOverride();
  if (forced != ConvAlgorithm::kAuto && ConvAlgorithmApplies(forced, p)) return forced;
  return ChooseConvAlgorithmFor(p, OpenBlasKernelsBehind());
}

ConvAlgorithm ChooseConvAlgorithmFor(const ConvProblem& p, bool openblas_behind) {
  // A depthwise group's product has the depth of one kernel: too small for any GEMM.
  if (DepthwiseConv::Applies(p)) return ConvAlgorithm::kDepthwise;
  const math::Window2d w = p.shape.group_window();
  const int out_channels = p.shape.group_out_channels();
  if (WinogradConv::Applies(p) && math::Winograd::Pays(w, out_channels)) {
    return ConvAlgorithm::kWinograd;
  }
  const long long weights =
      static_cast<long long>(out_channels) * w.channels * w.kernel_h * w.kernel_w;
  const bool pointwise = PointwiseConv::Applies(p);
  // Weights packed once cost nothing per pass, however many, where OpenBLAS
  // packs them on every call; and a 1x1 product reads its input's rows in
  // place, and a window over one image is unfolded a block of output rows at
  // a time, so a large image does not spread B over pages.
  const bool weights_fit = weights <= kMaxPackedWeights || p.fixed_weights;
  const bool spatial_fits = p.shape.out_spatial() <= kMaxPackedSpatial || p.fixed_weights;
  if ((weights_fit && spatial_fits) || openblas_behind) {
    return pointwise ? ConvAlgorithm::kPointwise : ConvAlgorithm::kPacked;
  }
  if (BatchedGemmConv::Applies(p) && p.shape.images > 1 && weights >= kMinBatchedWeights &&
      p.shape.out_spatial() <= kMaxBatchedSpatial) {
    return ConvAlgorithm::kBatchedGemm;
  }
  return ConvAlgorithm::kIm2colGemm;
}

bool OpenBlasCoreBehind(const std::string& core, math::Isa strata_isa) {
  if (strata_isa == math::Isa::kGeneric) return false;
  for (const char* avx512 : {"SkylakeX", "Cooperlake", "SapphireRapids"}) {
    if (core == avx512) return false;
  }
  // AVX2 kernels are behind only Strata's AVX-512 ones (an AMD EPYC with
  // AVX-512, which Debian's OpenBLAS runs as a Haswell).
  for (const char* avx2 : {"Haswell", "Zen"}) {
    if (core == avx2) return strata_isa == math::Isa::kAvx512;
  }
  return true;
}

bool OpenBlasKernelsBehind() {
  static const std::string core = openblas_get_corename();
  return OpenBlasCoreBehind(core, math::GemmIsa());
}

std::unique_ptr<ConvStrategy> MakeConvStrategy(ConvAlgorithm algorithm) {
  const Entry* e = Find(algorithm);
  if (e == nullptr) {
    throw InternalError(std::string("no strategy for convolution algorithm ") +
                        ConvAlgorithmName(algorithm));
  }
  return e->make();
}

const char* ConvAlgorithmName(ConvAlgorithm algorithm) {
  if (algorithm == ConvAlgorithm::kAuto) return "auto";
  const Entry* e = Find(algorithm);
  return e != nullptr ? e->name : "?";
}

ConvAlgorithm ParseConvAlgorithm(const std::string& name) {
  std::string choices = "auto";
  if (name == "auto") return ConvAlgorithm::kAuto;
  for (const Entry& e : kAlgorithms) {
    if (name == e.name) return e.algorithm;
    choices += std::string(", ") + e.name;
  }
  throw ConfigError("unknown convolution algorithm '" + name + "' (" + choices + ")");
}

void SetConvAlgorithmOverride(ConvAlgorithm algorithm) { Override() = algorithm; }

ConvAlgorithm ConvAlgorithmOverride() { return Override(); }

}  // namespace strata
