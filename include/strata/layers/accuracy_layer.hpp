// Accuracy: the fraction of positions whose label is among the top_k scores.
// As in Caffe, a class scoring equal to the true class counts as better than it.
// Bottoms: scores (N x C x ...; classes along accuracy_param.axis), label.
// Tops: accuracy (scalar); optionally per-class accuracy (C).
// Reads accuracy_param { top_k, axis, ignore_label }. No gradient. In place: no.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class AccuracyLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Accuracy"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int MinTopBlobs() const override { return 1; }
  int MaxTopBlobs() const override { return 2; }
  bool AllowForceBackward(int /*bottom_index*/) const override { return false; }
  std::vector<std::string> ParamFields() const override { return {"accuracy_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int top_k_ = 1, outer_ = 0, inner_ = 0, axis_ = 1;
  bool has_ignore_label_ = false;
  int ignore_label_ = 0;
};

}  // namespace strata
