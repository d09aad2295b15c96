#include "strata/layers/contrastive_loss_layer.hpp"

#include <algorithm>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void ContrastiveLossLayer::Reshape(const std::vector<Blob*>& bottom,
                                   const std::vector<Blob*>& top) {
  if (bottom[0]->shape() != bottom[1]->shape() || bottom[0]->num_axes() < 1) {
    throw ShapeError("the pair must have equal shapes, got " + bottom[0]->shape_string() + " and " +
                     bottom[1]->shape_string());
  }
  num_ = bottom[0]->shape(0);
  dim_ = bottom[0]->count(1);
  if (bottom[2]->count() != num_) {
    throw ShapeError("expected " + std::to_string(num_) + " similarity labels, got " +
                     bottom[2]->shape_string());
  }
  top[0]->Reshape(std::vector<int>{});
}

void ContrastiveLossLayer::ForwardCpu(const std::vector<Blob*>& bottom,
                                      const std::vector<Blob*>& top) {
  const ContrastiveLossParameter& p = layer_param_.contrastive_loss_param();
  difference_.resize(bottom[0]->count());
  distance_sq_.assign(num_, 0.f);
  double loss = 0;
  for (int i = 0; i < num_; ++i) {
    double d2 = 0;
    for (int j = 0; j < dim_; ++j) {
      const int at = i * dim_ + j;
      difference_[at] = bottom[0]->data()[at] - bottom[1]->data()[at];
      d2 += static_cast<double>(difference_[at]) * difference_[at];
    }
    distance_sq_[i] = static_cast<float>(d2);
    if (bottom[2]->data()[i] != 0.f) {
      loss += d2;
    } else if (p.legacy_version()) {
      loss += std::max(p.margin() - d2, 0.0);
    } else {
      const double hinge = std::max(p.margin() - std::sqrt(d2), 0.0);
      loss += hinge * hinge;
    }
  }
  top[0]->mutable_data()[0] = static_cast<float>(loss / (2.0 * std::max(num_, 1)));
}

void ContrastiveLossLayer::BackwardCpu(const std::vector<Blob*>& top,
                                       const std::vector<bool>& propagate_down,
                                       const std::vector<Blob*>& bottom) {
  if (propagate_down[2]) throw ConfigError("cannot backpropagate to the similarity labels");
  const ContrastiveLossParameter& p = layer_param_.contrastive_loss_param();
  for (int b = 0; b < 2; ++b) {
    if (!propagate_down[b]) continue;
    const float sign = b == 0 ? 1.f : -1.f;
    const float alpha = sign * top[0]->diff()[0] / std::max(num_, 1);
    float* dx = bottom[b]->mutable_diff();
    for (int i = 0; i < num_; ++i) {
      float factor = 0.f;
      if (bottom[2]->data()[i] != 0.f) {
        factor = alpha;
      } else if (p.legacy_version()) {
        factor = p.margin() - distance_sq_[i] > 0 ? -alpha : 0.f;
      } else {
        const float d = std::sqrt(distance_sq_[i]);
        const float hinge = p.margin() - d;
        factor = hinge > 0 ? -alpha * hinge / (d + 1e-4f) : 0.f;
      }
      for (int j = 0; j < dim_; ++j) dx[i * dim_ + j] = factor * difference_[i * dim_ + j];
    }
  }
}

STRATA_REGISTER_LAYER(ContrastiveLoss);

}  // namespace strata
