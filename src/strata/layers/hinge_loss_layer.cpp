#include "strata/layers/hinge_loss_layer.hpp"

#include <algorithm>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/layers/label.hpp"

namespace strata {

void HingeLossLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  if (bottom[0]->num_axes() < 1) throw ShapeError("scores need a first axis");
  num_ = bottom[0]->shape(0);
  dim_ = bottom[0]->count() / std::max(num_, 1);
  if (bottom[1]->count() != num_) {
    throw ShapeError("expected " + std::to_string(num_) + " labels for scores " +
                     bottom[0]->shape_string() + ", got " + bottom[1]->shape_string());
  }
  top[0]->Reshape(std::vector<int>{});
}

int HingeLossLayer::Label(const Blob& labels, int i) const {
  const int label = LabelToInt(labels.data()[i], i);
  if (label < 0 || label >= dim_) {
    throw DataError("label " + std::to_string(label) + " at position " + std::to_string(i) +
                    " is outside [0, " + std::to_string(dim_) + ")");
  }
  return label;
}

void HingeLossLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  margins_.assign(bottom[0]->count(), 0.f);
  double loss = 0;
  const bool l2 = layer_param_.hinge_loss_param().norm() == HingeLossParameter::L2;
  for (int i = 0; i < num_; ++i) {
    const int label = Label(*bottom[1], i);
    for (int k = 0; k < dim_; ++k) {
      const float y = k == label ? 1.f : -1.f;
      const float m = std::max(0.f, 1.f - y * x[i * dim_ + k]);
      margins_[i * dim_ + k] = m;
      loss += l2 ? m * m : m;
    }
  }
  top[0]->mutable_data()[0] = static_cast<float>(loss / std::max(num_, 1));
}

void HingeLossLayer::BackwardCpu(const std::vector<Blob*>& top,
                                 const std::vector<bool>& propagate_down,
                                 const std::vector<Blob*>& bottom) {
  if (propagate_down[1]) throw ConfigError("cannot backpropagate to the labels");
  if (!propagate_down[0]) return;
  const bool l2 = layer_param_.hinge_loss_param().norm() == HingeLossParameter::L2;
  const float scale = top[0]->diff()[0] / std::max(num_, 1);
  float* dx = bottom[0]->mutable_diff();
  for (int i = 0; i < num_; ++i) {
    const int label = Label(*bottom[1], i);
    for (int k = 0; k < dim_; ++k) {
      const float y = k == label ? 1.f : -1.f;
      const float m = margins_[i * dim_ + k];
      dx[i * dim_ + k] = m > 0 ? -y * (l2 ? 2.f * m : 1.f) * scale : 0.f;
    }
  }
}

STRATA_REGISTER_LAYER(HingeLoss);

}  // namespace strata
