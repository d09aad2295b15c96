#include "strata/layers/crop_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

void CropLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const CropParameter& p = layer_param_.crop_param();
  const Blob& x = *bottom[0];
  const Blob& reference = *bottom[1];
  if (x.num_axes() != reference.num_axes()) {
    throw ShapeError("bottoms must have the same number of axes, got " + x.shape_string() +
                     " and " + reference.shape_string());
  }
  const int axis = x.CanonicalAxisIndex(p.axis());
  const int cropped = x.num_axes() - axis;
  if (p.offset_size() > 1 && p.offset_size() != cropped) {
    throw ConfigError("crop_param has " + std::to_string(p.offset_size()) + " offsets for " +
                      std::to_string(cropped) + " cropped axes; give one, or one per axis");
  }
  offsets_.assign(x.num_axes(), 0);
  std::vector<int> shape = x.shape();
  for (int i = axis; i < x.num_axes(); ++i) {
    const int offset = p.offset_size() == 0   ? 0
                       : p.offset_size() == 1 ? static_cast<int>(p.offset(0))
                                              : static_cast<int>(p.offset(i - axis));
    if (x.shape(i) < reference.shape(i) + offset) {
      throw ShapeError("cannot crop " + x.shape_string() + " to " + reference.shape_string() +
                       " at offset " + std::to_string(offset) + " on axis " + std::to_string(i));
    }
    offsets_[i] = offset;
    shape[i] = reference.shape(i);
  }
  top[0]->Reshape(shape);
}

template <typename F>
void CropLayer::ForEach(const Blob& bottom, const Blob& top, F f) const {
  const int axes = top.num_axes();
  std::vector<int> index(axes, 0);
  for (int t = 0; t < top.count(); ++t) {
    size_t b = 0;
    for (int a = 0; a < axes; ++a) b = b * bottom.shape(a) + index[a] + offsets_[a];
    f(b, t);
    for (int a = axes - 1; a >= 0; --a) {
      if (++index[a] < top.shape(a)) break;
      index[a] = 0;
    }
  }
}

void CropLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  ForEach(*bottom[0], *top[0], [&](size_t b, int t) { y[t] = x[b]; });
}

void CropLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                            const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  math::Set(bottom[0]->count(), 0.f, dx);
  ForEach(*bottom[0], *top[0], [&](size_t b, int t) { dx[b] = dy[t]; });
}

STRATA_REGISTER_LAYER(Crop);

}  // namespace strata
