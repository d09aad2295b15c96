#include "strata/layers/swish_layer.hpp"

#include <algorithm>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void SwishLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/,
                            const std::vector<Blob*>& /*top*/) {
  beta_ = layer_param_.swish_param().beta();
}

void SwishLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  for (int i = 0; i < bottom[0]->count(); ++i) {
    y[i] = x[i] * (0.5f * std::tanh(0.5f * beta_ * x[i]) + 0.5f);
  }
}

void SwishLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                             const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float* x = bottom[0]->data();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  for (int i = 0; i < top[0]->count(); ++i) {
    const float s = 0.5f * std::tanh(0.5f * beta_ * x[i]) + 0.5f;
    const float out = x[i] * s;
    dx[i] = dy[i] * (beta_ * out + s * (1.f - beta_ * out));
  }
}

STRATA_REGISTER_LAYER(Swish);

}  // namespace strata
