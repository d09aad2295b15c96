// Clip: y = min(max(x, min), max); dy/dx = 1 where min <= x <= max, else 0.
// In place: no. Reads clip_param { min, max } (both required, min <= max).
// Bottom: x (any shape). Top: y (same shape).
#pragma once

#include "strata/layers/neuron_layer.hpp"

namespace strata {

class ClipLayer : public NeuronLayer {
 public:
  using NeuronLayer::NeuronLayer;
  const char* type() const override { return "Clip"; }
  std::vector<std::string> ParamFields() const override { return {"clip_param"}; }
  bool AllowsInPlace() const override { return false; }

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  float min_ = 0, max_ = 0;
};

}  // namespace strata
