// ConvAlgorithm::kDepthwise: a direct kernel for depthwise convolutions
// (group == input channels: each group reads one channel and writes
// out_channels / group), where im2col + GEMM would run one product of depth
// kernel_h * kernel_w per channel. Any kernel, stride, padding and dilation;
// forward, input gradient and weight gradient (so deconvolutions too); never
// for engine CAFFE.
#pragma once

#include "strata/conv/conv_strategy.hpp"

namespace strata {

class DepthwiseConv : public ConvStrategy {
 public:
  static bool Applies(const ConvProblem& problem);
  ConvAlgorithm algorithm() const override { return ConvAlgorithm::kDepthwise; }
  void Reshape(const ConvShape& shape) override;
  void SetWeights(const float* weights, bool /*for_input_gradient*/) override {
    weights_ = weights;
  }
  void Forward(const float* in, float* out, int begin, int end,
               const ConvEpilogue& epilogue) override;
  bool RectifiesOutput() const override { return true; }
  void Backward(const float* in, const float* out_diff, int begin, int end, float* in_diff,
                float* weights_diff) override;

 private:
  const float* weights_ = nullptr;
  int multiplier_ = 1;  // output channels per input channel
  int taps_ = 0;        // kernel_h * kernel_w
  size_t plane_ = 0;    // one input channel's values
};

}  // namespace strata
