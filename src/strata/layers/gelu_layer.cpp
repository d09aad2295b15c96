#include "strata/layers/gelu_layer.hpp"

#include <cmath>

#include "strata/layer_registry.hpp"

namespace strata {

namespace {
constexpr double kSqrt2OverPi = 0.7978845608028654;
constexpr double kCubic = 0.044715;
constexpr double kInvSqrt2 = 0.7071067811865476;
constexpr double kInvSqrt2Pi = 0.3989422804014327;
}  // namespace

void GELULayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const bool approximate = layer_param_.gelu_param().approximate();
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  for (int i = 0; i < bottom[0]->count(); ++i) {
    const double v = x[i];
    const double cdf = approximate ? 0.5 * (1 + std::tanh(kSqrt2OverPi * (v + kCubic * v * v * v)))
                                   : 0.5 * (1 + std::erf(v * kInvSqrt2));
    y[i] = static_cast<float>(v * cdf);
  }
}

void GELULayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                            const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const bool approximate = layer_param_.gelu_param().approximate();
  const float* x = bottom[0]->data();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  for (int i = 0; i < bottom[0]->count(); ++i) {
    const double v = x[i];
    double grad;
    if (approximate) {
      const double inner = kSqrt2OverPi * (v + kCubic * v * v * v);
      const double t = std::tanh(inner);
      grad = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * kSqrt2OverPi * (1 + 3 * kCubic * v * v);
    } else {
      grad = 0.5 * (1 + std::erf(v * kInvSqrt2)) + v * kInvSqrt2Pi * std::exp(-0.5 * v * v);
    }
    dx[i] = static_cast<float>(dy[i] * grad);
  }
}

STRATA_REGISTER_LAYER(GELU);

}  // namespace strata
