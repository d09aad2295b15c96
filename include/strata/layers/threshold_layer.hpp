// Threshold: y = 1 if x > threshold, else 0. Its derivative is 0 wherever it
// exists, and Backward says so. Bottom: x. Top: y (same shape). In place: yes.
// Reads threshold_param { threshold (default 0) }.
#pragma once

#include "strata/layers/neuron_layer.hpp"

namespace strata {

class ThresholdLayer : public NeuronLayer {
 public:
  using NeuronLayer::NeuronLayer;
  const char* type() const override { return "Threshold"; }
  std::vector<std::string> ParamFields() const override { return {"threshold_param"}; }

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;
};

}  // namespace strata
