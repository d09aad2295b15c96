// PReLU: y = max(0, x) + a_c min(0, x), with a learned slope a per channel
// (axis 1), or one for all with channel_shared.
// Bottom: N x C x ... Top: same shape. Param: a (C, or 1), filler default
// constant 0.25. In place: yes. Reads prelu_param { filler, channel_shared }.
#pragma once

#include "strata/layers/neuron_layer.hpp"

namespace strata {

class PReLULayer : public NeuronLayer {
 public:
  using NeuronLayer::NeuronLayer;
  const char* type() const override { return "PReLU"; }
  std::vector<std::string> ParamFields() const override { return {"prelu_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int channel(size_t i) const { return shared_ ? 0 : static_cast<int>(i / spatial_ % channels_); }
  bool shared_ = false;
  int channels_ = 1, spatial_ = 1;
  Blob input_;  // x, kept for backward when running in place
};

}  // namespace strata
