// Scale: y = x * s (+ b), s broadcast over the axes before `axis` and after
// the ones it covers. s is a second bottom, or a learned parameter of shape
// bottom.shape[axis : axis + num_axes] (num_axes -1: to the end; filler,
// default constant 1). With bias_term, a learned b of the same shape is added
// (bias_filler, default constant 0).
// Bottoms: x [, s]. Top: y (shape of x). In place: yes.
// Reads scale_param { axis, num_axes, filler, bias_term, bias_filler }.
#pragma once

#include "strata/layer.hpp"
#include "strata/layers/broadcast.hpp"

namespace strata {

class ScaleLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Scale"; }
  int MinBottomBlobs() const override { return 1; }
  int MaxBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowsInPlace() const override { return true; }
  std::vector<std::string> ParamFields() const override { return {"scale_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  const Blob& scale(const std::vector<Blob*>& bottom) const {
    return bottom.size() > 1 ? *bottom[1] : *blobs_[0];
  }
  int axis_ = 1;
  int bias_index_ = -1;  // index of b in blobs_, or -1
  BroadcastView view_;
  Blob input_;  // x, kept for backward when running in place
};

}  // namespace strata
