#include "strata/layers/infogain_loss_layer.hpp"

#include <algorithm>
#include <cmath>

#include "blob.pb.h"
#include "strata/errors.hpp"
#include "strata/io.hpp"
#include "strata/layer_registry.hpp"
#include "strata/layers/label.hpp"
#include "strata/layers/softmax_layer.hpp"

namespace strata {

void InfogainLossLayer::LayerSetUp(const std::vector<Blob*>& bottom,
                                   const std::vector<Blob*>& /*top*/) {
  if (bottom.size() < 3) {
    const std::string& source = layer_param_.infogain_loss_param().source();
    if (source.empty()) {
      throw ConfigError("give the infogain matrix as infogain_loss_param.source or a third bottom");
    }
    BlobProto proto;
    ReadProtoFromBinaryFile(source, &proto);
    infogain_.FromProto(proto);
  }
}

void InfogainLossLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const int axis = bottom[0]->CanonicalAxisIndex(layer_param_.infogain_loss_param().axis());
  outer_ = bottom[0]->count(0, axis);
  channels_ = bottom[0]->shape(axis);
  inner_ = bottom[0]->count(axis + 1);
  if (bottom[1]->count() != outer_ * inner_) {
    throw ShapeError("label shape " + bottom[1]->shape_string() + " does not fit scores " +
                     bottom[0]->shape_string());
  }
  if (infogain(bottom).count() != channels_ * channels_) {
    throw ShapeError("the infogain matrix has shape " + infogain(bottom).shape_string() +
                     "; it must be " + std::to_string(channels_) + " x " +
                     std::to_string(channels_));
  }
  prob_.ReshapeLike(*bottom[0]);
  top[0]->Reshape(std::vector<int>{});
  if (top.size() > 1) top[1]->ReshapeLike(*bottom[0]);
}

int InfogainLossLayer::Label(const float* labels, int position) const {
  const int label = LabelToInt(labels[position], position);
  if (label < 0 || label >= channels_) {
    throw DataError("label " + std::to_string(label) + " at position " + std::to_string(position) +
                    " is outside [0, " + std::to_string(channels_) + ")");
  }
  return label;
}

void InfogainLossLayer::ForwardCpu(const std::vector<Blob*>& bottom,
                                   const std::vector<Blob*>& top) {
  SoftmaxForward(outer_, channels_, inner_, bottom[0]->data(), prob_.mutable_data());
  const LossParameter& p = layer_param_.loss_param();
  const float* h = infogain(bottom).data();
  const float* prob = prob_.data();
  double loss = 0;
  valid_ = 0;
  for (int o = 0; o < outer_; ++o) {
    for (int i = 0; i < inner_; ++i) {
      const float* labels = bottom[1]->data();
      if (p.has_ignore_label() &&
          LabelToInt(labels[o * inner_ + i], o * inner_ + i) == p.ignore_label())
        continue;
      const int label = Label(labels, o * inner_ + i);
      for (int k = 0; k < channels_; ++k) {
        loss -= h[label * channels_ + k] *
                std::log(std::max(prob[(o * channels_ + k) * inner_ + i], 1e-20f));
      }
      ++valid_;
    }
  }
  top[0]->mutable_data()[0] = static_cast<float>(loss / Divisor());
  if (top.size() > 1) top[1]->CopyFrom(prob_);
}

void InfogainLossLayer::BackwardCpu(const std::vector<Blob*>& top,
                                    const std::vector<bool>& propagate_down,
                                    const std::vector<Blob*>& bottom) {
  for (size_t b = 1; b < bottom.size(); ++b) {
    if (propagate_down[b])
      throw ConfigError("cannot backpropagate to the labels or the infogain matrix");
  }
  if (!propagate_down[0]) return;
  const LossParameter& p = layer_param_.loss_param();
  const float* h = infogain(bottom).data();
  const float* prob = prob_.data();
  float* dx = bottom[0]->mutable_diff();
  const float scale = top[0]->diff()[0] / Divisor();
  for (int o = 0; o < outer_; ++o) {
    for (int i = 0; i < inner_; ++i) {
      const float* labels = bottom[1]->data();
      const bool ignored = p.has_ignore_label() &&
                           LabelToInt(labels[o * inner_ + i], o * inner_ + i) == p.ignore_label();
      const int label = ignored ? 0 : Label(labels, o * inner_ + i);
      double row_sum = 0;
      for (int k = 0; k < channels_; ++k) row_sum += h[label * channels_ + k];
      for (int k = 0; k < channels_; ++k) {
        const int at = (o * channels_ + k) * inner_ + i;
        dx[at] = ignored
                     ? 0.f
                     : static_cast<float>(prob[at] * row_sum - h[label * channels_ + k]) * scale;
      }
    }
  }
}

STRATA_REGISTER_LAYER(InfogainLoss);

}  // namespace strata
