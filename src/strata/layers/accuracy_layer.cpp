#include "strata/layers/accuracy_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/layers/label.hpp"
#include "strata/math.hpp"

namespace strata {

void AccuracyLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/,
                               const std::vector<Blob*>& /*top*/) {
  const AccuracyParameter& param = layer_param_.accuracy_param();
  if (param.top_k() < 1) throw ConfigError("accuracy_param.top_k must be at least 1");
  top_k_ = static_cast<int>(param.top_k());
  has_ignore_label_ = param.has_ignore_label();
  ignore_label_ = param.ignore_label();
}

void AccuracyLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  axis_ = bottom[0]->CanonicalAxisIndex(layer_param_.accuracy_param().axis());
  outer_ = bottom[0]->count(0, axis_);
  inner_ = bottom[0]->count(axis_ + 1);
  const int classes = bottom[0]->shape(axis_);
  if (top_k_ > classes) {
    throw ConfigError("accuracy_param.top_k " + std::to_string(top_k_) + " exceeds the " +
                      std::to_string(classes) + " classes of scores " + bottom[0]->shape_string());
  }
  if (bottom[1]->count() != outer_ * inner_) {
    throw ShapeError("label shape " + bottom[1]->shape_string() + " does not fit scores of shape " +
                     bottom[0]->shape_string() + ": expected " + std::to_string(outer_ * inner_) +
                     " labels");
  }
  top[0]->Reshape(std::vector<int>{});
  if (top.size() > 1) top[1]->Reshape(std::vector<int>{classes});
}

void AccuracyLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* scores = bottom[0]->data();
  const float* label = bottom[1]->data();
  const int classes = bottom[0]->shape(axis_);
  const int dim = classes * inner_;  // not count / outer_: an empty batch has outer_ 0
  std::vector<int> class_total(classes, 0), class_correct(classes, 0);
  int total = 0, correct = 0;
  for (int o = 0; o < outer_; ++o) {
    for (int i = 0; i < inner_; ++i) {
      const int value = LabelToInt(label[o * inner_ + i], o * inner_ + i);
      if (has_ignore_label_ && value == ignore_label_) continue;
      if (value < 0 || value >= classes) {
        throw DataError("label " + std::to_string(value) + " at position " +
                        std::to_string(o * inner_ + i) + " is outside [0, " +
                        std::to_string(classes) + ")");
      }
      ++total;
      ++class_total[value];
      const float true_score = scores[o * dim + value * inner_ + i];
      // The true class itself counts once, hence -1.
      int at_least_as_good = -1;
      for (int c = 0; c < classes && at_least_as_good < top_k_; ++c) {
        if (scores[o * dim + c * inner_ + i] >= true_score) ++at_least_as_good;
      }
      if (at_least_as_good < top_k_) {
        ++correct;
        ++class_correct[value];
      }
    }
  }
  top[0]->mutable_data()[0] = total ? static_cast<float>(correct) / total : 0.f;
  if (top.size() > 1) {
    float* per_class = top[1]->mutable_data();
    for (int c = 0; c < classes; ++c) {
      per_class[c] = class_total[c] ? static_cast<float>(class_correct[c]) / class_total[c] : 0.f;
    }
  }
}

void AccuracyLayer::BackwardCpu(const std::vector<Blob*>& /*top*/,
                                const std::vector<bool>& propagate_down,
                                const std::vector<Blob*>& /*bottom*/) {
  for (bool down : propagate_down) {
    if (down) throw ConfigError("Accuracy has no gradient; set propagate_down: false");
  }
}

STRATA_REGISTER_LAYER(Accuracy);

}  // namespace strata
