// Swish: y = x sigmoid(beta x); dy/dx = beta y + sigmoid(beta x) (1 - beta y).
// In place: no. Reads swish_param { beta (default 1) }.
// Bottom: x (any shape). Top: y (same shape).
#pragma once

#include "strata/layers/neuron_layer.hpp"

namespace strata {

class SwishLayer : public NeuronLayer {
 public:
  using NeuronLayer::NeuronLayer;
  const char* type() const override { return "Swish"; }
  std::vector<std::string> ParamFields() const override { return {"swish_param"}; }
  bool AllowsInPlace() const override { return false; }

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  float beta_ = 1;
};

}  // namespace strata
