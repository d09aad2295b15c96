// Exp: y = base ^ (shift + scale x), base -1 meaning e; dy/dx = y scale ln(base).
// In place: yes. Reads exp_param { base (-1), scale (1), shift (0) }; base must be
// positive or -1.
// Bottom: x (any shape). Top: y (same shape).
#pragma once

#include "strata/layers/neuron_layer.hpp"

namespace strata {

class ExpLayer : public NeuronLayer {
 public:
  using NeuronLayer::NeuronLayer;
  const char* type() const override { return "Exp"; }
  std::vector<std::string> ParamFields() const override { return {"exp_param"}; }

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  float inner_scale_ = 1, outer_scale_ = 1;
};

}  // namespace strata
