#include "strata/layers/sigmoid_layer.hpp"

#include <cmath>

#include "strata/layer_registry.hpp"

namespace strata {

void SigmoidLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  // 0.5 * tanh(0.5 x) + 0.5 equals the logistic function and never overflows.
  for (int i = 0; i < bottom[0]->count(); ++i) y[i] = 0.5f * std::tanh(0.5f * x[i]) + 0.5f;
}

void SigmoidLayer::BackwardCpu(const std::vector<Blob*>& top,
                               const std::vector<bool>& propagate_down,
                               const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float* y = top[0]->data();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  for (int i = 0; i < top[0]->count(); ++i) dx[i] = dy[i] * y[i] * (1.f - y[i]);
}

STRATA_REGISTER_LAYER(Sigmoid);

}  // namespace strata
