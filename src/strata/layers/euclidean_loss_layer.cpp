#include "strata/layers/euclidean_loss_layer.hpp"

#include <algorithm>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

void EuclideanLossLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  if (bottom[0]->count() != bottom[1]->count() || bottom[0]->num_axes() == 0) {
    throw ShapeError("bottoms must have the same number of elements, got shapes " +
                     bottom[0]->shape_string() + " and " + bottom[1]->shape_string());
  }
  difference_.ReshapeLike(*bottom[0]);
  top[0]->Reshape(std::vector<int>{});
}

void EuclideanLossLayer::ForwardCpu(const std::vector<Blob*>& bottom,
                                    const std::vector<Blob*>& top) {
  const int n = bottom[0]->count();
  const float* a = bottom[0]->data();
  const float* b = bottom[1]->data();
  float* d = difference_.mutable_data();
  for (int i = 0; i < n; ++i) d[i] = a[i] - b[i];
  // Over max(1, N) as Caffe normalizes, so an empty batch has a loss of 0.
  top[0]->mutable_data()[0] = math::Dot(n, d, d) / std::max(bottom[0]->shape(0), 1) / 2.f;
}

void EuclideanLossLayer::BackwardCpu(const std::vector<Blob*>& top,
                                     const std::vector<bool>& propagate_down,
                                     const std::vector<Blob*>& bottom) {
  for (int i = 0; i < 2; ++i) {
    if (!propagate_down[i]) continue;
    const float sign = i == 0 ? 1.f : -1.f;
    const float alpha = sign * top[0]->diff()[0] / std::max(bottom[i]->shape(0), 1);
    math::Axpby(bottom[i]->count(), alpha, difference_.data(), 0.f, bottom[i]->mutable_diff());
  }
}

STRATA_REGISTER_LAYER(EuclideanLoss);

}  // namespace strata
