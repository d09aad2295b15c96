// Base for element-wise layers: one bottom, one top of the same shape, in
// place allowed. Not a layer type of its own.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class NeuronLayer : public Layer {
 public:
  using Layer::Layer;
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override {
    top[0]->ReshapeLike(*bottom[0]);
  }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowsInPlace() const override { return true; }
};

}  // namespace strata
