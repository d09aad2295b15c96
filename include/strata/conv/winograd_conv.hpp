// ConvAlgorithm::kWinograd: Winograd's F(4x4, 5x5) and F(6x6, 3x3)
// (winograd.hpp), one math::Winograd per group, for 5x5 and 3x3 convolutions
// with stride 1 and no dilation; never for a deconvolution or engine CAFFE. The groups'
// transformed weights are kept while the shape and weights stay.
#pragma once

#include <vector>

#include "strata/conv/conv_strategy.hpp"
#include "strata/winograd.hpp"

namespace strata {

class WinogradConv : public ConvStrategy {
 public:
  static bool Applies(const ConvProblem& problem);
  ConvAlgorithm algorithm() const override { return ConvAlgorithm::kWinograd; }
  void Reshape(const ConvShape& shape) override;
  void SetWeights(const float* weights, bool for_input_gradient) override;
  // At least 64 tiles per hand-out while each thread still gets one, and whole
  // chunk steps of tiles where that still leaves half the
  // hand-outs (Winograd::ImagesPerChunkStep).
  int HandOutImages(int suggested, int hand_outs) const override;
  void Forward(const float* in, float* out, int begin, int end,
               const ConvEpilogue& epilogue) override;
  void Backward(const float* in, const float* out_diff, int begin, int end, float* in_diff,
                float* weights_diff) override;

 private:
  std::vector<math::Winograd> groups_;
};

}  // namespace strata
