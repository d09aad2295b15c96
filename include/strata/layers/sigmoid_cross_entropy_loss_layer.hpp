// SigmoidCrossEntropyLoss: loss = -sum [t log s(x) + (1 - t) log(1 - s(x))]
// / normalizer, s the sigmoid, computed stably from the logits x; positions
// whose target equals loss_param.ignore_label are skipped. The normalizer is
// loss_param.normalization (default BATCH_SIZE for this layer, as in Caffe).
// Bottoms: logits x, targets t in [0, 1] (same count). Top: loss (scalar).
// dloss/dx = (s(x) - t) * loss_weight / normalizer; no gradient to t.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class SigmoidCrossEntropyLossLayer : public LossLayer {
 public:
  using LossLayer::LossLayer;
  const char* type() const override { return "SigmoidCrossEntropyLoss"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  float Divisor() const { return Normalizer(LossParameter::BATCH_SIZE, outer_, count_, valid_); }
  int valid_ = 0, count_ = 0, outer_ = 0;
};

}  // namespace strata
