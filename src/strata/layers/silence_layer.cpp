#include "strata/layers/silence_layer.hpp"

#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

void SilenceLayer::BackwardCpu(const std::vector<Blob*>& /*top*/,
                               const std::vector<bool>& propagate_down,
                               const std::vector<Blob*>& bottom) {
  for (size_t i = 0; i < bottom.size(); ++i) {
    if (propagate_down[i]) math::Set(bottom[i]->count(), 0.f, bottom[i]->mutable_diff());
  }
}

STRATA_REGISTER_LAYER(Silence);

}  // namespace strata
