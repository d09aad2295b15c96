// Eltwise: element-wise PROD, SUM (with optional coefficients, one per
// bottom) or MAX of two or more bottoms of the same shape.
// Gradients: PROD dx_i = dy prod_{j != i} x_j; SUM dx_i = coeff_i dy; MAX
// routes dy to the (first) largest bottom. In place: no.
// A SUM followed by an in-place ReLU on its top can run both (FuseReLU, which
// the Net does for training and inference): one pass forward and one
// backward, with the ReLU's results to the bit.
// Reads eltwise_param { operation, coeff, stable_prod_grad (accepted; the
// product of the other bottoms is always used) }.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class EltwiseLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Eltwise"; }
  int MinBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"eltwise_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  bool is_sum() const { return op_ == EltwiseParameter::SUM; }
  // From now on, forward also rectifies the top in place (ReLU with this
  // slope), and backward takes the gradient through it first. SUM only.
  void FuseReLU(float negative_slope);

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  void BackwardSum(const float* dy, const float* y, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom);
  EltwiseParameter::EltwiseOp op_ = EltwiseParameter::SUM;
  std::vector<float> coeffs_;
  std::vector<int> argmax_;
  bool relu_ = false;  // FuseReLU
  float relu_slope_ = 0.f;
};

}  // namespace strata
