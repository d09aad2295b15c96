#include "strata/layers/log_layer.hpp"

#include <algorithm>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void LogLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) {
  const LogParameter& p = layer_param_.log_param();
  if (p.base() != -1.f && (p.base() <= 0.f || p.base() == 1.f)) {
    throw ConfigError("log_param.base must be positive and not 1, or -1 for e");
  }
  base_scale_ = p.base() == -1.f ? 1.f : 1.f / std::log(p.base());
  scale_ = p.scale();
  shift_ = p.shift();
}

void LogLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  for (int i = 0; i < bottom[0]->count(); ++i) {
    y[i] = std::log(shift_ + scale_ * x[i]) * base_scale_;
  }
}

void LogLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                           const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float* x = bottom[0]->data();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  for (int i = 0; i < top[0]->count(); ++i) {
    dx[i] = dy[i] * scale_ * base_scale_ / (shift_ + scale_ * x[i]);
  }
}

STRATA_REGISTER_LAYER(Log);

}  // namespace strata
