#include "strata/layers/argmax_layer.hpp"

#include <algorithm>
#include <numeric>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void ArgMaxLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const ArgMaxParameter& p = layer_param_.argmax_param();
  top_k_ = static_cast<int>(p.top_k());
  if (top_k_ < 1) throw ConfigError("argmax_param.top_k must be at least 1");
  const Blob& x = *bottom[0];
  if (p.has_axis()) {
    const int axis = x.CanonicalAxisIndex(p.axis());
    outer_ = x.count(0, axis);
    dim_ = x.shape(axis);
    inner_ = x.count(axis + 1);
    std::vector<int> shape = x.shape();
    shape[axis] = top_k_;
    if (top_k_ > dim_) throw ConfigError("top_k exceeds the axis length " + std::to_string(dim_));
    top[0]->Reshape(shape);
  } else {
    if (x.num_axes() < 1) throw ShapeError("ArgMax needs at least one axis");
    outer_ = x.shape(0);
    dim_ = x.count(1);
    inner_ = 1;
    if (top_k_ > dim_)
      throw ConfigError("top_k exceeds the " + std::to_string(dim_) + " values per example");
    top[0]->Reshape({outer_, p.out_max_val() ? 2 : 1, top_k_, 1});
  }
}

void ArgMaxLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const ArgMaxParameter& p = layer_param_.argmax_param();
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  std::vector<int> order(dim_);
  for (int o = 0; o < outer_; ++o) {
    for (int i = 0; i < inner_; ++i) {
      auto value = [&](int d) { return x[(static_cast<size_t>(o) * dim_ + d) * inner_ + i]; };
      std::iota(order.begin(), order.end(), 0);
      std::partial_sort(order.begin(), order.begin() + top_k_, order.end(),
                        [&](int a, int b) { return value(a) > value(b); });
      for (int k = 0; k < top_k_; ++k) {
        if (p.has_axis()) {
          y[(static_cast<size_t>(o) * top_k_ + k) * inner_ + i] =
              p.out_max_val() ? value(order[k]) : static_cast<float>(order[k]);
        } else {
          y[static_cast<size_t>(o) * top[0]->count(1) + k] = static_cast<float>(order[k]);
          if (p.out_max_val())
            y[static_cast<size_t>(o) * top[0]->count(1) + top_k_ + k] = value(order[k]);
        }
      }
    }
  }
}

void ArgMaxLayer::BackwardCpu(const std::vector<Blob*>& /*top*/,
                              const std::vector<bool>& propagate_down,
                              const std::vector<Blob*>& /*bottom*/) {
  if (propagate_down[0]) throw ConfigError("ArgMax has no gradient; set propagate_down: false");
}

STRATA_REGISTER_LAYER(ArgMax);

}  // namespace strata
