// Bias: y = x + b, b broadcast over the axes before `axis` and after the ones
// it covers. b is a second bottom, or a learned parameter of shape
// bottom.shape[axis : axis + num_axes] (num_axes -1: to the end; filler,
// default constant 0).
// Bottoms: x [, b]. Top: y (shape of x). In place: yes.
// Reads bias_param { axis, num_axes, filler }.
#pragma once

#include "strata/layer.hpp"
#include "strata/layers/broadcast.hpp"

namespace strata {

class BiasLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Bias"; }
  int MinBottomBlobs() const override { return 1; }
  int MaxBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowsInPlace() const override { return true; }
  std::vector<std::string> ParamFields() const override { return {"bias_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  const Blob& bias(const std::vector<Blob*>& bottom) const {
    return bottom.size() > 1 ? *bottom[1] : *blobs_[0];
  }
  int axis_ = 1;
  BroadcastView view_;
};

}  // namespace strata
