// ConvAlgorithm::kPointwise: 1x1 kernels with no padding, any stride, on the
// packed kernels with no unfolding. Each hand-out's images are one product
// (math::GemmPackedImages):
//   forward          W * the images themselves (stride 1), or their pixels
//                    at the stride, sampled per hand-out (out_h x out_w per
//                    channel, a quarter of the map at stride 2);
//   input gradient   W^T * dY, straight into the input's gradient (stride 1),
//                    or into the sampled pixels, the others zero;
//   weight gradient  dY * X^T per image as they lie, small maps gathered a
//                    few images at a time into one longer product.
// Never for a deconvolution or engine CAFFE.
#pragma once

#include <cstddef>
#include <vector>

#include "strata/conv/conv_strategy.hpp"
#include "strata/packed_gemm.hpp"

namespace strata {

class PointwiseConv : public ConvStrategy {
 public:
  static bool Applies(const ConvProblem& problem);
  ConvAlgorithm algorithm() const override { return ConvAlgorithm::kPointwise; }
  void SetWeights(const float* weights, bool for_input_gradient) override;
  // In the tiles' registers, as each product's last depth block is stored.
  bool RectifiesOutput() const override { return true; }
  void Forward(const float* in, float* out, int begin, int end,
               const ConvEpilogue& epilogue) override;
  void Backward(const float* in, const float* out_diff, int begin, int end, float* in_diff,
                float* weights_diff) override;

 private:
  bool Strided() const;
  // `count` images from `in`: the input each product reads, image by image
  // `*stride` apart (the images, or their pixels at the stride in scratch).
  const float* Input(const float* in, int count, size_t* stride) const;
  // dw += the weight gradient of `count` images (x as Input gives it), as one product.
  void WeightGrad(const float* x, size_t x_stride, const float* dy, int count, float* dw) const;
  // dx (overwritten) = the input gradient of `count` images.
  void InputGrad(const float* dy, int count, float* dx) const;
  std::vector<math::PackedMatrix> packed_;  // per group: W, or W^T for the input gradient
};

}  // namespace strata
