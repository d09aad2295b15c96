#include "strata/layers/reduction_layer.hpp"

#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void ReductionLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const int axis = layer_param_.reduction_param().axis();
  const int n = bottom[0]->num_axes();
  const int start = axis < 0 ? axis + n : axis;
  if (start < 0 || start > n) {
    throw ShapeError("reduction_param.axis " + std::to_string(axis) + " is out of range for " +
                     bottom[0]->shape_string());
  }
  outer_ = bottom[0]->count(0, start);
  dim_ = bottom[0]->count(start);
  top[0]->Reshape(std::vector<int>(bottom[0]->shape().begin(), bottom[0]->shape().begin() + start));
}

void ReductionLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const ReductionParameter& p = layer_param_.reduction_param();
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  for (int o = 0; o < outer_; ++o) {
    double sum = 0;
    for (int i = 0; i < dim_; ++i) {
      const double v = x[static_cast<size_t>(o) * dim_ + i];
      switch (p.operation()) {
        case ReductionParameter::ASUM:
          sum += std::fabs(v);
          break;
        case ReductionParameter::SUMSQ:
          sum += v * v;
          break;
        default:
          sum += v;
      }
    }
    if (p.operation() == ReductionParameter::MEAN && dim_ > 0) sum /= dim_;
    y[o] = static_cast<float>(sum * p.coeff());
  }
}

void ReductionLayer::BackwardCpu(const std::vector<Blob*>& top,
                                 const std::vector<bool>& propagate_down,
                                 const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const ReductionParameter& p = layer_param_.reduction_param();
  const float* x = bottom[0]->data();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  for (int o = 0; o < outer_; ++o) {
    const float g = dy[o] * p.coeff();
    for (int i = 0; i < dim_; ++i) {
      const size_t at = static_cast<size_t>(o) * dim_ + i;
      switch (p.operation()) {
        case ReductionParameter::ASUM:
          dx[at] = g * static_cast<float>((x[at] > 0) - (x[at] < 0));
          break;
        case ReductionParameter::SUMSQ:
          dx[at] = 2.f * g * x[at];
          break;
        case ReductionParameter::MEAN:
          dx[at] = g / dim_;
          break;
        default:
          dx[at] = g;
      }
    }
  }
}

STRATA_REGISTER_LAYER(Reduction);

}  // namespace strata
