// Dropout: in TRAIN, y = x * m / (1 - p) with m ~ Bernoulli(1 - p) drawn per
// element on every forward pass (inverted dropout, so TEST needs no scaling);
// in TEST, y = x.
// Bottom: x. Top: y (same shape). In place: yes.
// Reads dropout_param { dropout_ratio (p, in [0, 1)) }.
#pragma once

#include "strata/layers/neuron_layer.hpp"

namespace strata {

class DropoutLayer : public NeuronLayer {
 public:
  using NeuronLayer::NeuronLayer;
  const char* type() const override { return "Dropout"; }
  std::vector<std::string> ParamFields() const override { return {"dropout_param"}; }

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  float ratio_ = 0.5f;
  std::vector<uint8_t> mask_;
};

}  // namespace strata
