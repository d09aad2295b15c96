// Power: y = (shift + scale x) ^ power;
// dy/dx = power scale (shift + scale x) ^ (power - 1). In place: no.
// Reads power_param { power (1), scale (1), shift (0) }. A negative base with a
// fractional power gives NaN, as in Caffe.
// Bottom: x (any shape). Top: y (same shape).
#pragma once

#include "strata/layers/neuron_layer.hpp"

namespace strata {

class PowerLayer : public NeuronLayer {
 public:
  using NeuronLayer::NeuronLayer;
  const char* type() const override { return "Power"; }
  std::vector<std::string> ParamFields() const override { return {"power_param"}; }
  bool AllowsInPlace() const override { return false; }

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  float power_ = 1, scale_ = 1, shift_ = 0;
};

}  // namespace strata
