#include "strata/layers/lrn_layer.hpp"

#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

void LRNLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) {
  const LRNParameter& p = layer_param_.lrn_param();
  size_ = static_cast<int>(p.local_size());
  if (size_ % 2 == 0) throw ConfigError("lrn_param.local_size must be odd, got " + std::to_string(size_));
  alpha_ = p.alpha();
  beta_ = p.beta();
  k_ = p.k();
  across_ = p.norm_region() == LRNParameter::ACROSS_CHANNELS;
}

void LRNLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  if (bottom[0]->num_axes() != 4) {
    throw ShapeError("LRN needs a 4-D bottom (N x C x H x W), got " + bottom[0]->shape_string());
  }
  num_ = bottom[0]->shape(0);
  channels_ = bottom[0]->shape(1);
  height_ = bottom[0]->shape(2);
  width_ = bottom[0]->shape(3);
  top[0]->ReshapeLike(*bottom[0]);
  scale_.ReshapeLike(*bottom[0]);
}

void LRNLayer::NeighbourhoodSums(const float* x, float* out) const {
  const int half = (size_ - 1) / 2;
  const int plane = height_ * width_;
  for (int n = 0; n < num_; ++n) {
    for (int c = 0; c < channels_; ++c) {
      const size_t base = (static_cast<size_t>(n) * channels_ + c) * plane;
      for (int h = 0; h < height_; ++h) {
        for (int w = 0; w < width_; ++w) {
          double sum = 0;
          if (across_) {
            for (int cc = std::max(0, c - half); cc <= std::min(channels_ - 1, c + half); ++cc) {
              sum += static_cast<double>(x[(static_cast<size_t>(n) * channels_ + cc) * plane +
                                           h * width_ + w]);
            }
          } else {
            for (int hh = std::max(0, h - half); hh <= std::min(height_ - 1, h + half); ++hh) {
              for (int ww = std::max(0, w - half); ww <= std::min(width_ - 1, w + half); ++ww) {
                sum += x[base + hh * width_ + ww];
              }
            }
          }
          out[base + h * width_ + w] = static_cast<float>(sum);
        }
      }
    }
  }
}

void LRNLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const int count = bottom[0]->count();
  const float* x = bottom[0]->data();
  std::vector<float> squares(count);
  for (int i = 0; i < count; ++i) squares[i] = x[i] * x[i];
  float* base = scale_.mutable_data();
  NeighbourhoodSums(squares.data(), base);
  const float shift = across_ ? k_ : 1.f;
  const float factor = across_ ? alpha_ / size_ : alpha_ / (size_ * size_);
  float* y = top[0]->mutable_data();
  for (int i = 0; i < count; ++i) {
    base[i] = shift + factor * base[i];
    y[i] = x[i] * std::pow(base[i], -beta_);
  }
}

void LRNLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                           const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  // dx = dy * base^-beta - 2 alpha' beta * x * sum over the neighbourhood of dy * y / base.
  const int count = bottom[0]->count();
  const float* x = bottom[0]->data();
  const float* y = top[0]->data();
  const float* dy = top[0]->diff();
  const float* base = scale_.data();
  std::vector<float> ratio(count), sums(count);
  for (int i = 0; i < count; ++i) ratio[i] = dy[i] * y[i] / base[i];
  NeighbourhoodSums(ratio.data(), sums.data());
  const float factor = across_ ? alpha_ / size_ : alpha_ / (size_ * size_);
  float* dx = bottom[0]->mutable_diff();
  for (int i = 0; i < count; ++i) {
    dx[i] = dy[i] * std::pow(base[i], -beta_) - 2.f * factor * beta_ * x[i] * sums[i];
  }
}

STRATA_REGISTER_LAYER(LRN);

}  // namespace strata
