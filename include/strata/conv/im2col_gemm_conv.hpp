// ConvAlgorithm::kIm2colGemm, Caffe's algorithm: im2col over a chunk of
// images, then one OpenBLAS product per group (math::Gemm). Runs any
// convolution; chosen for large weights or large output maps.
#pragma once

#include "strata/conv/column_conv.hpp"

namespace strata {

class Im2colGemmConv : public ColumnConv {
 public:
  static bool Applies(const ConvProblem& /*problem*/) { return true; }
  ConvAlgorithm algorithm() const override { return ConvAlgorithm::kIm2colGemm; }
  void SetWeights(const float* weights, bool /*for_input_gradient*/) override {
    weights_ = weights;
  }

 protected:
  void ForwardChunk(const float* in, float* out, int count, const ConvEpilogue& epilogue) override;
  void InputGradChunk(const float* out_diff, float* in_diff, int count) override;

 private:
  const float* weights_ = nullptr;
};

}  // namespace strata
