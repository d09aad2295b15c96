#include "strata/layers/slice_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/layers/concat_layer.hpp"

namespace strata {

void SliceLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const SliceParameter& p = layer_param_.slice_param();
  if (p.has_axis() && p.has_slice_dim()) throw ConfigError("give axis or slice_dim, not both");
  axis_ =
      bottom[0]->CanonicalAxisIndex(p.has_slice_dim() ? static_cast<int>(p.slice_dim()) : p.axis());
  const int total = bottom[0]->shape(axis_);
  const int tops = static_cast<int>(top.size());
  std::vector<int> sizes;
  if (p.slice_point_size() > 0) {
    if (p.slice_point_size() != tops - 1) {
      throw ConfigError("slice_param has " + std::to_string(p.slice_point_size()) +
                        " slice points for " + std::to_string(tops) + " tops; give " +
                        std::to_string(tops - 1));
    }
    int previous = 0;
    for (uint32_t point : p.slice_point()) {
      if (static_cast<int>(point) <= previous || static_cast<int>(point) >= total) {
        throw ConfigError("slice points must increase within (0, " + std::to_string(total) +
                          "), got " + std::to_string(point));
      }
      sizes.push_back(static_cast<int>(point) - previous);
      previous = static_cast<int>(point);
    }
    sizes.push_back(total - previous);
  } else {
    if (total % tops != 0) {
      throw ShapeError("axis " + std::to_string(axis_) + " of " + bottom[0]->shape_string() +
                       " does not split evenly into " + std::to_string(tops) + " tops");
    }
    sizes.assign(tops, total / tops);
  }
  for (int i = 0; i < tops; ++i) {
    std::vector<int> shape = bottom[0]->shape();
    shape[axis_] = sizes[i];
    top[i]->Reshape(shape);
  }
}

void SliceLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const int outer = bottom[0]->count(0, axis_), inner = bottom[0]->count(axis_ + 1);
  int at = 0;
  for (Blob* t : top) {
    CopyAlongAxis(outer, inner, t->shape(axis_), bottom[0]->shape(axis_), at, bottom[0]->data(),
                  t->mutable_data(), false);
    at += t->shape(axis_);
  }
}

void SliceLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                             const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const int outer = bottom[0]->count(0, axis_), inner = bottom[0]->count(axis_ + 1);
  int at = 0;
  for (Blob* t : top) {
    CopyAlongAxis(outer, inner, t->shape(axis_), bottom[0]->shape(axis_), at, t->diff(),
                  bottom[0]->mutable_diff(), true);
    at += t->shape(axis_);
  }
}

STRATA_REGISTER_LAYER(Slice);

}  // namespace strata
