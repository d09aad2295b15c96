#include "strata/layers/tile_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

void TileLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const TileParameter& p = layer_param_.tile_param();
  if (!p.has_tiles() || p.tiles() < 1) throw ConfigError("tile_param.tiles must be set and >= 1");
  const int axis = bottom[0]->CanonicalAxisIndex(p.axis());
  tiles_ = p.tiles();
  outer_ = bottom[0]->count(0, axis);
  inner_ = bottom[0]->count(axis);
  std::vector<int> shape = bottom[0]->shape();
  shape[axis] *= tiles_;
  top[0]->Reshape(shape);
}

void TileLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  for (int o = 0; o < outer_; ++o) {
    for (int t = 0; t < tiles_; ++t) {
      math::Copy(inner_, x + static_cast<size_t>(o) * inner_,
                 y + (static_cast<size_t>(o) * tiles_ + t) * inner_);
    }
  }
}

void TileLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                            const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  for (int o = 0; o < outer_; ++o) {
    float* out = dx + static_cast<size_t>(o) * inner_;
    math::Copy(inner_, dy + static_cast<size_t>(o) * tiles_ * inner_, out);
    for (int t = 1; t < tiles_; ++t) {
      math::Axpy(inner_, 1.f, dy + (static_cast<size_t>(o) * tiles_ + t) * inner_, out);
    }
  }
}

STRATA_REGISTER_LAYER(Tile);

}  // namespace strata
