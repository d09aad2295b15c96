// ELU: y = x for x > 0, alpha (exp(x) - 1) otherwise.
// dy/dx = 1 for x > 0, y + alpha otherwise (read from y, so in place works).
// Reads elu_param { alpha (default 1, must be >= 0) }.
// Bottom: x (any shape). Top: y (same shape).
#pragma once

#include "strata/layers/neuron_layer.hpp"

namespace strata {

class ELULayer : public NeuronLayer {
 public:
  using NeuronLayer::NeuronLayer;
  const char* type() const override { return "ELU"; }
  std::vector<std::string> ParamFields() const override { return {"elu_param"}; }

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  float alpha_ = 1;
};

}  // namespace strata
