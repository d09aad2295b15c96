#include "strata/layers/relu_layer.hpp"

#include <algorithm>

#include "strata/layer_registry.hpp"

namespace strata {

void ReLULayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float slope = layer_param_.relu_param().negative_slope();
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  for (int i = 0; i < bottom[0]->count(); ++i) {
    y[i] = std::max(x[i], 0.f) + slope * std::min(x[i], 0.f);
  }
}

void ReLULayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                            const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float slope = layer_param_.relu_param().negative_slope();
  // In place, bottom data already holds y; y > 0 exactly where x > 0 (for slope >= 0).
  const float* x = bottom[0]->data();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  for (int i = 0; i < bottom[0]->count(); ++i) dx[i] = dy[i] * (x[i] > 0 ? 1.f : slope);
}

STRATA_REGISTER_LAYER(ReLU);

}  // namespace strata
