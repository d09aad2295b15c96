#include "strata/layers/concat_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

void CopyAlongAxis(int outer, int inner, int part_dim, int whole_dim, int at, const float* from,
                   float* to, bool into_whole) {
  const size_t block = static_cast<size_t>(part_dim) * inner;
  for (int o = 0; o < outer; ++o) {
    const size_t part_offset = o * block;
    const size_t whole_offset = (static_cast<size_t>(o) * whole_dim + at) * inner;
    if (into_whole) {
      math::Copy(static_cast<int>(block), from + part_offset, to + whole_offset);
    } else {
      math::Copy(static_cast<int>(block), from + whole_offset, to + part_offset);
    }
  }
}

void ConcatLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const ConcatParameter& p = layer_param_.concat_param();
  if (p.has_axis() && p.has_concat_dim()) throw ConfigError("give axis or concat_dim, not both");
  axis_ = bottom[0]->CanonicalAxisIndex(p.has_concat_dim() ? static_cast<int>(p.concat_dim())
                                                           : p.axis());
  std::vector<int> shape = bottom[0]->shape();
  for (size_t i = 1; i < bottom.size(); ++i) {
    const Blob& b = *bottom[i];
    bool fits = b.num_axes() == bottom[0]->num_axes();
    for (int a = 0; fits && a < b.num_axes(); ++a) fits = a == axis_ || b.shape(a) == shape[a];
    if (!fits) {
      throw ShapeError("bottom " + std::to_string(i) + " has shape " + b.shape_string() +
                       ", which does not match " + bottom[0]->shape_string() +
                       " outside the concatenation axis " + std::to_string(axis_));
    }
    shape[axis_] += b.shape(axis_);
  }
  top[0]->Reshape(shape);
}

void ConcatLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const int outer = top[0]->count(0, axis_), inner = top[0]->count(axis_ + 1);
  int at = 0;
  for (Blob* b : bottom) {
    CopyAlongAxis(outer, inner, b->shape(axis_), top[0]->shape(axis_), at, b->data(),
                  top[0]->mutable_data(), true);
    at += b->shape(axis_);
  }
}

void ConcatLayer::BackwardCpu(const std::vector<Blob*>& top,
                              const std::vector<bool>& propagate_down,
                              const std::vector<Blob*>& bottom) {
  const int outer = top[0]->count(0, axis_), inner = top[0]->count(axis_ + 1);
  int at = 0;
  for (size_t i = 0; i < bottom.size(); ++i) {
    if (propagate_down[i]) {
      CopyAlongAxis(outer, inner, bottom[i]->shape(axis_), top[0]->shape(axis_), at, top[0]->diff(),
                    bottom[i]->mutable_diff(), false);
    }
    at += bottom[i]->shape(axis_);
  }
}

STRATA_REGISTER_LAYER(Concat);

}  // namespace strata
