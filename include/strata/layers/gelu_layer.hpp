// GELU (new): y = x Phi(x), Phi the standard normal CDF. Exact form
// 0.5 x (1 + erf(x / sqrt 2)); with approximate: true the tanh form
// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
// Bottom: x. Top: y (same shape). In place: no. Reads gelu_param { approximate }.
#pragma once

#include "strata/layers/neuron_layer.hpp"

namespace strata {

class GELULayer : public NeuronLayer {
 public:
  using NeuronLayer::NeuronLayer;
  const char* type() const override { return "GELU"; }
  bool AllowsInPlace() const override { return false; }
  std::vector<std::string> ParamFields() const override { return {"gelu_param"}; }

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;
};

}  // namespace strata
