#include "strata/layers/softmax_with_loss_layer.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/layers/label.hpp"
#include "strata/layers/softmax_layer.hpp"
#include "strata/math.hpp"

namespace strata {

void SoftmaxWithLossLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/,
                                      const std::vector<Blob*>& /*top*/) {
  const LossParameter& loss = layer_param_.loss_param();
  has_ignore_label_ = loss.has_ignore_label();
  ignore_label_ = loss.ignore_label();
}

void SoftmaxWithLossLayer::Reshape(const std::vector<Blob*>& bottom,
                                   const std::vector<Blob*>& top) {
  axis_ = bottom[0]->CanonicalAxisIndex(layer_param_.softmax_param().axis());
  outer_ = bottom[0]->count(0, axis_);
  channels_ = bottom[0]->shape(axis_);
  inner_ = bottom[0]->count(axis_ + 1);
  if (bottom[1]->count() != outer_ * inner_) {
    throw ShapeError("label shape " + bottom[1]->shape_string() + " does not fit scores of shape " +
                     bottom[0]->shape_string() + ": expected " + std::to_string(outer_ * inner_) +
                     " labels (one per position outside axis " + std::to_string(axis_) + ")");
  }
  prob_.ReshapeLike(*bottom[0]);
  top[0]->Reshape(std::vector<int>{});
  if (top.size() >= 2) top[1]->ReshapeLike(*bottom[0]);
}

void SoftmaxWithLossLayer::ForwardCpu(const std::vector<Blob*>& bottom,
                                      const std::vector<Blob*>& top) {
  SoftmaxForward(outer_, channels_, inner_, bottom[0]->data(), prob_.mutable_data());
  const float* prob = prob_.data();
  const float* label = bottom[1]->data();
  double loss = 0;
  int valid = 0;
  for (int o = 0; o < outer_; ++o) {
    for (int i = 0; i < inner_; ++i) {
      const int value = LabelToInt(label[o * inner_ + i], o * inner_ + i);
      if (has_ignore_label_ && value == ignore_label_) continue;
      if (value < 0 || value >= channels_) {
        throw DataError("label " + std::to_string(value) + " at position " +
                        std::to_string(o * inner_ + i) + " is outside [0, " +
                        std::to_string(channels_) + ")");
      }
      loss -= std::log(std::max(prob[(o * channels_ + value) * inner_ + i], FLT_MIN));
      ++valid;
    }
  }
  top[0]->mutable_data()[0] =
      static_cast<float>(loss / Normalizer(LossParameter::VALID, outer_, outer_ * inner_, valid));
  if (top.size() == 2) math::Copy(prob_.count(), prob, top[1]->mutable_data());
}

void SoftmaxWithLossLayer::BackwardCpu(const std::vector<Blob*>& top,
                                       const std::vector<bool>& propagate_down,
                                       const std::vector<Blob*>& bottom) {
  if (propagate_down.size() > 1 && propagate_down[1]) {
    throw ConfigError("cannot backpropagate to the labels");
  }
  if (!propagate_down[0]) return;
  float* dx = bottom[0]->mutable_diff();
  math::Copy(prob_.count(), prob_.data(), dx);
  const float* label = bottom[1]->data();
  int valid = 0;
  for (int o = 0; o < outer_; ++o) {
    for (int i = 0; i < inner_; ++i) {
      const int value = LabelToInt(label[o * inner_ + i], o * inner_ + i);
      if (has_ignore_label_ && value == ignore_label_) {
        for (int c = 0; c < channels_; ++c) dx[(o * channels_ + c) * inner_ + i] = 0.f;
        continue;
      }
      dx[(o * channels_ + value) * inner_ + i] -= 1.f;
      ++valid;
    }
  }
  math::Scale(prob_.count(),
              top[0]->diff()[0] / Normalizer(LossParameter::VALID, outer_, outer_ * inner_, valid),
              dx);
}

STRATA_REGISTER_LAYER(SoftmaxWithLoss);

}  // namespace strata
