// ReLU: y = max(x, 0) + negative_slope * min(x, 0)
// Bottom: x (any shape). Top: y (same shape). In place: yes.
// Reads relu_param { negative_slope } (engine is accepted and ignored).
#pragma once

#include "strata/layers/neuron_layer.hpp"

namespace strata {

class ReLULayer : public NeuronLayer {
 public:
  using NeuronLayer::NeuronLayer;
  const char* type() const override { return "ReLU"; }
  std::vector<std::string> ParamFields() const override { return {"relu_param"}; }

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;
};

}  // namespace strata
