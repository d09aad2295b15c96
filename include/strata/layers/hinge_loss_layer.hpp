// HingeLoss: one-vs-all hinge loss on scores x (N x K) with labels l:
// with y_ik = +1 for k = l_i and -1 otherwise, m_ik = max(0, 1 - y_ik x_ik),
// loss = sum m / N (L1, default) or sum m^2 / N (L2).
// Bottoms: scores, label. Top: loss. No gradient to the labels.
// Reads hinge_loss_param { norm } and loss_param.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class HingeLossLayer : public LossLayer {
 public:
  using LossLayer::LossLayer;
  const char* type() const override { return "HingeLoss"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override {
    return {"loss_param", "hinge_loss_param"};
  }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int Label(const Blob& labels, int i) const;
  int num_ = 0, dim_ = 0;
  std::vector<float> margins_;  // m_ik
};

}  // namespace strata
