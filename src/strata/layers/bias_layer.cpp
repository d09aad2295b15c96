#include "strata/layers/bias_layer.hpp"

#include "strata/errors.hpp"
#include "strata/filler.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void BiasLayer::LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& /*top*/) {
  const BiasParameter& p = layer_param_.bias_param();
  axis_ = bottom[0]->CanonicalAxisIndex(p.axis());
  if (bottom.size() > 1) {
    blobs_.clear();
    return;
  }
  const std::vector<int> shape = LearnedOperandShape(*bottom[0], axis_, p.num_axes());
  SetUpParamBlobs({{"bias", shape, &p.filler()}});
  param_propagate_down_.assign(1, true);
}

void BiasLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  view_ = MakeBroadcastView(*bottom[0], axis_, bias(bottom).shape());
  top[0]->ReshapeLike(*bottom[0]);
}

void BiasLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  const float* b = bias(bottom).data();
  float* y = top[0]->mutable_data();
  for (int o = 0; o < view_.outer; ++o) {
    for (int d = 0; d < view_.dim; ++d) {
      const size_t base = (static_cast<size_t>(o) * view_.dim + d) * view_.inner;
      for (int i = 0; i < view_.inner; ++i) y[base + i] = x[base + i] + b[d];
    }
  }
}

void BiasLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                            const std::vector<Blob*>& bottom) {
  const float* dy = top[0]->diff();
  const bool learned = bottom.size() == 1;
  if (learned ? param_propagate_down(0) : propagate_down[1]) {
    float* db = learned ? blobs_[0]->mutable_diff() : bottom[1]->mutable_diff();
    for (int d = 0; d < view_.dim; ++d) {
      double sum = 0;
      for (int o = 0; o < view_.outer; ++o) {
        const size_t base = (static_cast<size_t>(o) * view_.dim + d) * view_.inner;
        for (int i = 0; i < view_.inner; ++i) sum += dy[base + i];
      }
      db[d] = static_cast<float>((learned ? db[d] : 0.f) + sum);
    }
  }
  if (propagate_down[0] && bottom[0]->mutable_diff() != dy) {
    std::copy(dy, dy + top[0]->count(), bottom[0]->mutable_diff());
  }
}

STRATA_REGISTER_LAYER(Bias);

}  // namespace strata
