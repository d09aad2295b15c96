#include "strata/layers/dropout_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

void DropoutLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/,
                              const std::vector<Blob*>& /*top*/) {
  ratio_ = layer_param_.dropout_param().dropout_ratio();
  if (ratio_ < 0.f || ratio_ >= 1.f) {
    throw ConfigError("dropout_ratio must be in [0, 1), got " + std::to_string(ratio_));
  }
}

void DropoutLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const int n = bottom[0]->count();
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  if (phase() != TRAIN) {
    math::Copy(n, x, y);
    return;
  }
  const float scale = 1.f / (1.f - ratio_);
  mask_.resize(n);
  for (int i = 0; i < n; ++i) {
    mask_[i] = rng_.Uniform(0.f, 1.f) >= ratio_;
    y[i] = mask_[i] ? x[i] * scale : 0.f;
  }
}

void DropoutLayer::BackwardCpu(const std::vector<Blob*>& top,
                               const std::vector<bool>& propagate_down,
                               const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const int n = top[0]->count();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  if (phase() != TRAIN) {
    math::Copy(n, dy, dx);
    return;
  }
  const float scale = 1.f / (1.f - ratio_);
  for (int i = 0; i < n; ++i) dx[i] = mask_[i] ? dy[i] * scale : 0.f;
}

STRATA_REGISTER_LAYER(Dropout);

}  // namespace strata
