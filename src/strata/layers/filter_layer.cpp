#include "strata/layers/filter_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

bool FilterLayer::AllowForceBackward(int bottom_index) const {
  return bottom_index != layer_param_.bottom_size() - 1;
}

void FilterLayer::LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  if (top.size() != bottom.size() - 1) {
    throw ConfigError("needs one top per data bottom (" + std::to_string(bottom.size() - 1) +
                      "), got " + std::to_string(top.size()));
  }
}

void FilterLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const Blob& selector = *bottom.back();
  const int n = selector.num_axes() ? selector.shape(0) : 1;
  if (selector.count() != n) {
    throw ShapeError("the selector must hold one value per item, got shape " +
                     selector.shape_string());
  }
  selected_.clear();
  for (int i = 0; i < n; ++i) {
    if (selector.data()[i] != 0.f) selected_.push_back(i);
  }
  for (size_t b = 0; b + 1 < bottom.size(); ++b) {
    if (bottom[b]->num_axes() == 0 || bottom[b]->shape(0) != n) {
      throw ShapeError("bottom " + std::to_string(b) + " of shape " + bottom[b]->shape_string() +
                       " does not have the selector's " + std::to_string(n) + " items");
    }
    std::vector<int> shape = bottom[b]->shape();
    shape[0] = static_cast<int>(selected_.size());
    top[b]->Reshape(shape);
  }
}

void FilterLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  for (size_t b = 0; b < top.size(); ++b) {
    const int width = bottom[b]->count(1);
    for (size_t k = 0; k < selected_.size(); ++k) {
      math::Copy(width, bottom[b]->data() + static_cast<size_t>(selected_[k]) * width,
                 top[b]->mutable_data() + k * width);
    }
  }
}

void FilterLayer::BackwardCpu(const std::vector<Blob*>& top,
                              const std::vector<bool>& propagate_down,
                              const std::vector<Blob*>& bottom) {
  if (propagate_down.back()) throw ConfigError("Filter cannot backpropagate to its selector");
  for (size_t b = 0; b < top.size(); ++b) {
    if (!propagate_down[b]) continue;
    const int width = bottom[b]->count(1);
    math::Set(bottom[b]->count(), 0.f, bottom[b]->mutable_diff());
    for (size_t k = 0; k < selected_.size(); ++k) {
      math::Copy(width, top[b]->diff() + k * width,
                 bottom[b]->mutable_diff() + static_cast<size_t>(selected_[k]) * width);
    }
  }
}

STRATA_REGISTER_LAYER(Filter);

}  // namespace strata
