// SoftmaxWithLoss: p = softmax(x) over softmax_param.axis (default 1);
// loss = -sum_i log p[i, label_i] / normalizer, over positions whose label is
// not loss_param.ignore_label.
// normalizer (loss_param.normalization): VALID = non-ignored positions
// (default), FULL = all positions, BATCH_SIZE = outer count, NONE = 1.
// Bottoms: x (N x C x ...), label (N x ... integer values in [0, C)).
// Tops: loss (scalar), optionally p (shape of x). In place: no.
// dloss/dx = (p - onehot(label)) * loss_weight / normalizer.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class SoftmaxWithLossLayer : public LossLayer {
 public:
  using LossLayer::LossLayer;
  const char* type() const override { return "SoftmaxWithLoss"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int MaxTopBlobs() const override { return 2; }
  std::vector<std::string> ParamFields() const override { return {"loss_param", "softmax_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  Blob prob_;
  int outer_ = 0, channels_ = 0, inner_ = 0, axis_ = 1;
  bool has_ignore_label_ = false;
  int ignore_label_ = 0;
};

}  // namespace strata
