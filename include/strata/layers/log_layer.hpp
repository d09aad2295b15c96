// Log: y = log_base(shift + scale x), base -1 meaning e;
// dy/dx = scale / ((shift + scale x) ln(base)). In place: no.
// Reads log_param { base (-1), scale (1), shift (0) }; base must be positive or -1.
// Bottom: x (any shape). Top: y (same shape).
#pragma once

#include "strata/layers/neuron_layer.hpp"

namespace strata {

class LogLayer : public NeuronLayer {
 public:
  using NeuronLayer::NeuronLayer;
  const char* type() const override { return "Log"; }
  std::vector<std::string> ParamFields() const override { return {"log_param"}; }
  bool AllowsInPlace() const override { return false; }

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  float base_scale_ = 1, scale_ = 1, shift_ = 0;
};

}  // namespace strata
