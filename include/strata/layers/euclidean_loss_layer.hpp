// EuclideanLoss: loss = sum((a - b)^2) / (2 N), N = a.shape(0).
// Bottoms: a, b (same count). Top: loss (scalar). In place: no.
// Both bottoms get gradients: da = (a - b) * w / N, db = -da (w = loss_weight).
#pragma once

#include "strata/layer.hpp"

namespace strata {

class EuclideanLossLayer : public LossLayer {
 public:
  using LossLayer::LossLayer;
  const char* type() const override { return "EuclideanLoss"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowForceBackward(int /*bottom_index*/) const override { return true; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  Blob difference_;
};

}  // namespace strata
