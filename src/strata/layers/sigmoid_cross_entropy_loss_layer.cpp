#include "strata/layers/sigmoid_cross_entropy_loss_layer.hpp"

#include <algorithm>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/layers/label.hpp"

namespace strata {

void SigmoidCrossEntropyLossLayer::Reshape(const std::vector<Blob*>& bottom,
                                           const std::vector<Blob*>& top) {
  if (bottom[0]->count() != bottom[1]->count()) {
    throw ShapeError("logits " + bottom[0]->shape_string() + " and targets " +
                     bottom[1]->shape_string() + " must have the same number of values");
  }
  top[0]->Reshape(std::vector<int>{});
}

void SigmoidCrossEntropyLossLayer::ForwardCpu(const std::vector<Blob*>& bottom,
                                              const std::vector<Blob*>& top) {
  const LossParameter& p = layer_param_.loss_param();
  count_ = bottom[0]->count();
  outer_ = bottom[0]->num_axes() ? bottom[0]->shape(0) : 1;
  const float* x = bottom[0]->data();
  const float* t = bottom[1]->data();
  double loss = 0;
  valid_ = 0;
  for (int i = 0; i < count_; ++i) {
    if (p.has_ignore_label() && LabelToInt(t[i], i, "target") == p.ignore_label()) continue;
    // -[t log s(x) + (1 - t) log(1 - s(x))] = max(x, 0) - x t + log(1 + exp(-|x|))
    loss += std::max(x[i], 0.f) - x[i] * t[i] + std::log1p(std::exp(-std::fabs(x[i])));
    ++valid_;
  }
  top[0]->mutable_data()[0] = static_cast<float>(loss / Divisor());
}

void SigmoidCrossEntropyLossLayer::BackwardCpu(const std::vector<Blob*>& top,
                                               const std::vector<bool>& propagate_down,
                                               const std::vector<Blob*>& bottom) {
  if (propagate_down[1]) throw ConfigError("cannot backpropagate to the targets");
  if (!propagate_down[0]) return;
  const LossParameter& p = layer_param_.loss_param();
  const float* x = bottom[0]->data();
  const float* t = bottom[1]->data();
  float* dx = bottom[0]->mutable_diff();
  const float scale = top[0]->diff()[0] / Divisor();
  for (int i = 0; i < bottom[0]->count(); ++i) {
    if (p.has_ignore_label() && LabelToInt(t[i], i, "target") == p.ignore_label()) {
      dx[i] = 0.f;
      continue;
    }
    const float s = 0.5f * std::tanh(0.5f * x[i]) + 0.5f;
    dx[i] = (s - t[i]) * scale;
  }
}

STRATA_REGISTER_LAYER(SigmoidCrossEntropyLoss);

}  // namespace strata
