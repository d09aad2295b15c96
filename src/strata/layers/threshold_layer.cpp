#include "strata/layers/threshold_layer.hpp"

#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

void ThresholdLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float t = layer_param_.threshold_param().threshold();
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  for (int i = 0; i < bottom[0]->count(); ++i) y[i] = x[i] > t ? 1.f : 0.f;
}

void ThresholdLayer::BackwardCpu(const std::vector<Blob*>& /*top*/,
                                 const std::vector<bool>& propagate_down,
                                 const std::vector<Blob*>& bottom) {
  if (propagate_down[0]) math::Set(bottom[0]->count(), 0.f, bottom[0]->mutable_diff());
}

STRATA_REGISTER_LAYER(Threshold);

}  // namespace strata
