// InnerProduct (fully connected): y = x W^T + b
// Bottom: x, flattened from `axis` on to M x K (M = product of dims before
// axis). Top: y, shape x.shape[0:axis] + [num_output].
// Params: W of shape N x K (K x N with transpose: true), b of shape N.
// Reads inner_product_param { num_output, bias_term, weight_filler,
// bias_filler, axis, transpose }. In place: no.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class InnerProductLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "InnerProduct"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"inner_product_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  double ForwardFlops(const std::vector<Blob*>&, const std::vector<Blob*>&) const override {
    return 2.0 * m_ * k_ * n_ + (bias_term_ ? 1.0 * m_ * n_ : 0.0);
  }

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  // dW += dy^T x (or its transpose) and, with bias_diff, db += dy^T 1.
  void ParamGradients(const float* dy, const float* x, float* weight_diff, float* bias_diff) const;
  // dx = dy W (or W^T).
  void InputGradient(const float* dy, const float* weights, float* dx) const;

  int m_ = 0, k_ = 0, n_ = 0;
  bool bias_term_ = true;
  bool transpose_ = false;
  Blob bias_multiplier_;  // M ones
};

}  // namespace strata
