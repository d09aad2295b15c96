#include "strata/layers/exp_layer.hpp"

#include <algorithm>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void ExpLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) {
  const ExpParameter& p = layer_param_.exp_param();
  if (p.base() != -1.f && p.base() <= 0.f) {
    throw ConfigError("exp_param.base must be positive, or -1 for e");
  }
  const float log_base = p.base() == -1.f ? 1.f : std::log(p.base());
  inner_scale_ = log_base * p.scale();
  outer_scale_ = p.shift() == 0.f ? 1.f : std::exp(log_base * p.shift());
}

void ExpLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  for (int i = 0; i < bottom[0]->count(); ++i) {
    y[i] = outer_scale_ * std::exp(inner_scale_ * x[i]);
  }
}

void ExpLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                           const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float* y = top[0]->data();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  for (int i = 0; i < top[0]->count(); ++i) {
    dx[i] = dy[i] * y[i] * inner_scale_;
  }
}

STRATA_REGISTER_LAYER(Exp);

}  // namespace strata
