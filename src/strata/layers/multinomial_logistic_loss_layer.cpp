#include "strata/layers/multinomial_logistic_loss_layer.hpp"

#include <algorithm>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/layers/label.hpp"

namespace strata {

namespace {
constexpr float kFloor = 1e-20f;
}

void MultinomialLogisticLossLayer::Reshape(const std::vector<Blob*>& bottom,
                                           const std::vector<Blob*>& top) {
  if (bottom[0]->num_axes() < 1) throw ShapeError("probabilities need a first axis");
  num_ = bottom[0]->shape(0);
  dim_ = bottom[0]->count() / std::max(num_, 1);
  if (bottom[1]->count() != num_) {
    throw ShapeError("expected " + std::to_string(num_) + " labels for probabilities " +
                     bottom[0]->shape_string() + ", got " + bottom[1]->shape_string());
  }
  top[0]->Reshape(std::vector<int>{});
}

int MultinomialLogisticLossLayer::Label(const Blob& labels, int i) const {
  const int label = LabelToInt(labels.data()[i], i);
  if (label < 0 || label >= dim_) {
    throw DataError("label " + std::to_string(label) + " at position " + std::to_string(i) +
                    " is outside [0, " + std::to_string(dim_) + ")");
  }
  return label;
}

void MultinomialLogisticLossLayer::ForwardCpu(const std::vector<Blob*>& bottom,
                                              const std::vector<Blob*>& top) {
  double loss = 0;
  for (int i = 0; i < num_; ++i) {
    loss -= std::log(std::max(bottom[0]->data()[i * dim_ + Label(*bottom[1], i)], kFloor));
  }
  top[0]->mutable_data()[0] = static_cast<float>(loss / std::max(num_, 1));
}

void MultinomialLogisticLossLayer::BackwardCpu(const std::vector<Blob*>& top,
                                               const std::vector<bool>& propagate_down,
                                               const std::vector<Blob*>& bottom) {
  if (propagate_down[1]) throw ConfigError("cannot backpropagate to the labels");
  if (!propagate_down[0]) return;
  float* dx = bottom[0]->mutable_diff();
  std::fill(dx, dx + bottom[0]->count(), 0.f);
  const float scale = -top[0]->diff()[0] / std::max(num_, 1);
  for (int i = 0; i < num_; ++i) {
    const int at = i * dim_ + Label(*bottom[1], i);
    dx[at] = scale / std::max(bottom[0]->data()[at], kFloor);
  }
}

STRATA_REGISTER_LAYER(MultinomialLogisticLoss);

}  // namespace strata
