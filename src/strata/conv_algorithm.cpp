#include "strata/conv_algorithm.hpp"

#include <atomic>
#include <cstdlib>

#include "strata/errors.hpp"
#include "strata/winograd.hpp"

namespace strata {

namespace {

// The packed kernels win where a group's weights fit L2 with room to spare
// and an image's output is at most 1024 positions (B's rows then share
// pages); larger convolutions go to OpenBLAS, which packs B contiguously.
constexpr long long kMaxPackedWeights = 64 << 10;
constexpr int kMaxPackedSpatial = 1024;

ConvAlgorithm InitialOverride() {
  const char* name = std::getenv("STRATA_CONV_ALGORITHM");
  return name == nullptr || *name == '\0' ? ConvAlgorithm::kAuto : ParseConvAlgorithm(name);
}

std::atomic<ConvAlgorithm>& Override() {
  static std::atomic<ConvAlgorithm> algorithm{InitialOverride()};
  return algorithm;
}

bool WinogradApplies(const ConvProblem& p) {
  return !p.deconvolution && !p.caffe_engine && math::Winograd5x5::Applies(p.group_window);
}

}  // namespace

bool ConvAlgorithmApplies(ConvAlgorithm algorithm, const ConvProblem& problem) {
  switch (algorithm) {
    case ConvAlgorithm::kWinograd:
      return WinogradApplies(problem);
    case ConvAlgorithm::kAuto:
    case ConvAlgorithm::kIm2colGemm:
    case ConvAlgorithm::kPacked:
      return true;
  }
  return false;
}

ConvAlgorithm ChooseConvAlgorithm(const ConvProblem& p) {
  const ConvAlgorithm forced = ConvAlgorithmOverride();
  if (forced != ConvAlgorithm::kAuto && ConvAlgorithmApplies(forced, p)) return forced;
  if (WinogradApplies(p) &&
      math::Winograd5x5::Pays(p.group_window.channels, p.group_out_channels)) {
    return ConvAlgorithm::kWinograd;
  }
  const long long weights = static_cast<long long>(p.group_out_channels) * p.group_window.channels *
                            p.group_window.kernel_h * p.group_window.kernel_w;
  if (weights <= kMaxPackedWeights && p.out_spatial <= kMaxPackedSpatial) {
    return ConvAlgorithm::kPacked;
  }
  return ConvAlgorithm::kIm2colGemm;
}

const char* ConvAlgorithmName(ConvAlgorithm algorithm) {
  switch (algorithm) {
    case ConvAlgorithm::kAuto:
      return "auto";
    case ConvAlgorithm::kIm2colGemm:
      return "im2col+gemm";
    case ConvAlgorithm::kPacked:
      return "packed";
    case ConvAlgorithm::kWinograd:
      return "winograd";
  }
  return "?";
}

ConvAlgorithm ParseConvAlgorithm(const std::string& name) {
  for (ConvAlgorithm a : {ConvAlgorithm::kAuto, ConvAlgorithm::kIm2colGemm, ConvAlgorithm::kPacked,
                          ConvAlgorithm::kWinograd}) {
    if (name == ConvAlgorithmName(a)) return a;
  }
  throw ConfigError("unknown convolution algorithm '" + name +
                    "' (auto, im2col+gemm, packed or winograd)");
}

void SetConvAlgorithmOverride(ConvAlgorithm algorithm) { Override() = algorithm; }

ConvAlgorithm ConvAlgorithmOverride() { return Override(); }

}  // namespace strata
