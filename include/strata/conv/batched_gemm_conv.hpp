// ConvAlgorithm::kBatchedGemm: im2col of a whole batch into one column
// matrix, then one OpenBLAS product per group for all its images, spread
// over the pool by math::Gemm (the other strategies spread images instead).
// For large weights over small output maps (ResNet-18's 512-channel 3x3
// layers on 7x7 maps), where a product per image streams all the weights
// from memory for a few dozen columns, and the weight gradient reads and
// writes all of dW once per image:
//   forward          Y = W * [im2col(x_1) ... im2col(x_N)], scattered to the images;
//   weight gradient  dW += [dy_1 ... dy_N] * [im2col(x_1) ... im2col(x_N)]^T, one product;
//   input gradient   col2im of W^T * [dy_1 ... dy_N], image by image.
// Batches whose column matrix would pass kMaxColumnFloats run in chunks of
// images. Never for a deconvolution or engine CAFFE (whose products run
// image by image).
#pragma once

#include <cstddef>

#include "strata/conv/conv_strategy.hpp"

namespace strata {

class BatchedGemmConv : public ConvStrategy {
 public:
  // The column matrix's bound (64 MB); a chunk holds at least one image.
  static constexpr size_t kMaxColumnFloats = size_t{16} << 20;
  explicit BatchedGemmConv(size_t max_column_floats = kMaxColumnFloats)
      : max_column_floats_(max_column_floats) {}
  static bool Applies(const ConvProblem& problem) {
    return !problem.deconvolution && !problem.caffe_engine;
  }
  ConvAlgorithm algorithm() const override { return ConvAlgorithm::kBatchedGemm; }
  bool SpreadsOverPool() const override { return true; }
  void SetWeights(const float* weights, bool /*for_input_gradient*/) override {
    weights_ = weights;
  }
  void Forward(const float* in, float* out, int begin, int end,
               const ConvEpilogue& epilogue) override;
  void Backward(const float* in, const float* out_diff, int begin, int end, float* in_diff,
                float* weights_diff) override;

 private:
  // Images per chunk: as many as keep the column matrix within the bound.
  int ChunkImages() const;
  size_t max_column_floats_;
  const float* weights_ = nullptr;
};

}  // namespace strata
