#include "strata/layers/softmax_layer.hpp"

#include <algorithm>
#include <cmath>

#include "strata/layer_registry.hpp"

namespace strata {

void SoftmaxForward(int outer, int channels, int inner, const float* x, float* y) {
  for (int o = 0; o < outer; ++o) {
    const float* xo = x + o * channels * inner;
    float* yo = y + o * channels * inner;
    for (int i = 0; i < inner; ++i) {
      float max = xo[i];
      for (int c = 1; c < channels; ++c) max = std::max(max, xo[c * inner + i]);
      float sum = 0.f;
      for (int c = 0; c < channels; ++c) {
        yo[c * inner + i] = std::exp(xo[c * inner + i] - max);
        sum += yo[c * inner + i];
      }
      for (int c = 0; c < channels; ++c) yo[c * inner + i] /= sum;
    }
  }
}

void SoftmaxLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const int axis = bottom[0]->CanonicalAxisIndex(layer_param_.softmax_param().axis());
  outer_ = bottom[0]->count(0, axis);
  channels_ = bottom[0]->shape(axis);
  inner_ = bottom[0]->count(axis + 1);
  top[0]->ReshapeLike(*bottom[0]);
}

void SoftmaxLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  SoftmaxForward(outer_, channels_, inner_, bottom[0]->data(), top[0]->mutable_data());
}

void SoftmaxLayer::BackwardCpu(const std::vector<Blob*>& top,
                               const std::vector<bool>& propagate_down,
                               const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  // dx_c = y_c * (dy_c - sum_c' dy_c' y_c')
  const float* y = top[0]->data();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  for (int o = 0; o < outer_; ++o) {
    const int base = o * channels_ * inner_;
    for (int i = 0; i < inner_; ++i) {
      float dot = 0.f;
      for (int c = 0; c < channels_; ++c)
        dot += dy[base + c * inner_ + i] * y[base + c * inner_ + i];
      for (int c = 0; c < channels_; ++c) {
        const int at = base + c * inner_ + i;
        dx[at] = y[at] * (dy[at] - dot);
      }
    }
  }
}

STRATA_REGISTER_LAYER(Softmax);

}  // namespace strata
