#include "strata/layers/power_layer.hpp"

#include <algorithm>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void PowerLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/,
                            const std::vector<Blob*>& /*top*/) {
  const PowerParameter& p = layer_param_.power_param();
  power_ = p.power();
  scale_ = p.scale();
  shift_ = p.shift();
}

void PowerLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  for (int i = 0; i < bottom[0]->count(); ++i) {
    y[i] = power_ == 0.f ? 1.f : std::pow(shift_ + scale_ * x[i], power_);
  }
}

void PowerLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                             const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float* x = bottom[0]->data();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  for (int i = 0; i < top[0]->count(); ++i) {
    dx[i] = (power_ == 0.f || scale_ == 0.f)
                ? 0.f
                : dy[i] * power_ * scale_ * std::pow(shift_ + scale_ * x[i], power_ - 1.f);
  }
}

STRATA_REGISTER_LAYER(Power);

}  // namespace strata
