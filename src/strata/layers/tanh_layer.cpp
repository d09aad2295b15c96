#include "strata/layers/tanh_layer.hpp"

#include <cmath>

#include "strata/layer_registry.hpp"

namespace strata {

void TanHLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  for (int i = 0; i < bottom[0]->count(); ++i) y[i] = std::tanh(x[i]);
}

void TanHLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                            const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float* y = top[0]->data();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  for (int i = 0; i < top[0]->count(); ++i) dx[i] = dy[i] * (1.f - y[i] * y[i]);
}

STRATA_REGISTER_LAYER(TanH);

}  // namespace strata
