// ContrastiveLoss (Hadsell et al.): for pairs (a_i, b_i) with similarity y_i,
// d_i = ||a_i - b_i||, loss = sum [y d^2 + (1 - y) max(margin - d, 0)^2] / 2N
// (legacy_version: max(margin - d^2, 0) instead of the squared hinge).
// Bottoms: a, b (N x C ...), y (N; 1 similar, 0 dissimilar). Top: loss.
// Gradients to a and b; none to y. Reads contrastive_loss_param { margin, legacy_version }.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class ContrastiveLossLayer : public LossLayer {
 public:
  using LossLayer::LossLayer;
  const char* type() const override { return "ContrastiveLoss"; }
  int ExactNumBottomBlobs() const override { return 3; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index != 2; }
  std::vector<std::string> ParamFields() const override {
    return {"loss_param", "contrastive_loss_param"};
  }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int num_ = 0, dim_ = 0;
  std::vector<float> difference_, distance_sq_;
};

}  // namespace strata
