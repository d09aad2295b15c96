// MultinomialLogisticLoss: loss = -sum_i log(max(p[i, l_i], 1e-20)) / N on
// probabilities p (N x K, e.g. a Softmax output) and labels l.
// Bottoms: probabilities, label. Top: loss. No gradient to the labels.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class MultinomialLogisticLossLayer : public LossLayer {
 public:
  using LossLayer::LossLayer;
  const char* type() const override { return "MultinomialLogisticLoss"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int Label(const Blob& labels, int i) const;
  int num_ = 0, dim_ = 0;
};

}  // namespace strata
