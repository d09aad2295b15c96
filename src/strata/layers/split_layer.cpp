#include "strata/layers/split_layer.hpp"

#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

void SplitLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  for (Blob* t : top) {
    t->ReshapeLike(*bottom[0]);
    t->ShareData(*bottom[0]);
  }
}

void SplitLayer::ForwardCpu(const std::vector<Blob*>& /*bottom*/,
                            const std::vector<Blob*>& /*top*/) {}

void SplitLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                             const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const int n = bottom[0]->count();
  float* dx = bottom[0]->mutable_diff();
  math::Copy(n, top[0]->diff(), dx);
  for (size_t i = 1; i < top.size(); ++i) math::Axpy(n, 1.f, top[i]->diff(), dx);
}

STRATA_REGISTER_LAYER(Split);

}  // namespace strata
