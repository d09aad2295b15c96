#include "strata/layers/clip_layer.hpp"

#include <algorithm>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void ClipLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/,
                           const std::vector<Blob*>& /*top*/) {
  const ClipParameter& p = layer_param_.clip_param();
  if (!p.has_min() || !p.has_max()) throw ConfigError("clip_param needs min and max");
  if (p.min() > p.max()) throw ConfigError("clip_param.min must not exceed max");
  min_ = p.min();
  max_ = p.max();
}

void ClipLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  for (int i = 0; i < bottom[0]->count(); ++i) {
    y[i] = std::min(std::max(x[i], min_), max_);
  }
}

void ClipLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                            const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float* x = bottom[0]->data();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  for (int i = 0; i < top[0]->count(); ++i) {
    dx[i] = (x[i] >= min_ && x[i] <= max_) ? dy[i] : 0.f;
  }
}

STRATA_REGISTER_LAYER(Clip);

}  // namespace strata
