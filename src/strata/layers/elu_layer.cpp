#include "strata/layers/elu_layer.hpp"

#include <algorithm>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void ELULayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) {
  alpha_ = layer_param_.elu_param().alpha();
  if (alpha_ < 0) throw ConfigError("elu_param.alpha must not be negative");
}

void ELULayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  for (int i = 0; i < bottom[0]->count(); ++i) {
    y[i] = x[i] > 0 ? x[i] : alpha_ * (std::exp(x[i]) - 1.f);
  }
}

void ELULayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                           const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float* y = top[0]->data();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  for (int i = 0; i < top[0]->count(); ++i) {
    dx[i] = dy[i] * (y[i] > 0 ? 1.f : y[i] + alpha_);
  }
}

STRATA_REGISTER_LAYER(ELU);

}  // namespace strata
