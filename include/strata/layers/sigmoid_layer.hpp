// Sigmoid: y = 1 / (1 + exp(-x))
// Bottom: x (any shape). Top: y (same shape). In place: yes.
// Reads sigmoid_param (engine only, ignored).
#pragma once

#include "strata/layers/neuron_layer.hpp"

namespace strata {

class SigmoidLayer : public NeuronLayer {
 public:
  using NeuronLayer::NeuronLayer;
  const char* type() const override { return "Sigmoid"; }
  std::vector<std::string> ParamFields() const override { return {"sigmoid_param"}; }

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;
};

}  // namespace strata
