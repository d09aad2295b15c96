#include "strata/layers/lrn_layer.hpp"

#include <algorithm>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"
#include "strata/scratch.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

void LRNLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) {
  const LRNParameter& p = layer_param_.lrn_param();
  size_ = static_cast<int>(p.local_size());
  if (size_ % 2 == 0)
    throw ConfigError("lrn_param.local_size must be odd, got " + std::to_string(size_));
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
  for (int c = 0; c < channels_; ++c) {
    float* sum = out + static_cast<size_t>(c) * plane;
    if (across_) {
      // Whole planes at a time: contiguous adds that vectorize.
      std::fill(sum, sum + plane, 0.f);
      for (int cc = std::max(0, c - half); cc <= std::min(channels_ - 1, c + half); ++cc) {
        const float* term = x + static_cast<size_t>(cc) * plane;
        for (int i = 0; i < plane; ++i) sum[i] += term[i];
      }
      continue;
    }
    const float* in = x + static_cast<size_t>(c) * plane;
    for (int h = 0; h < height_; ++h) {
      for (int w = 0; w < width_; ++w) {
        double total = 0;
        for (int hh = std::max(0, h - half); hh <= std::min(height_ - 1, h + half); ++hh) {
          for (int ww = std::max(0, w - half); ww <= std::min(width_ - 1, w + half); ++ww) {
            total += in[hh * width_ + ww];
          }
        }
        sum[h * width_ + w] = static_cast<float>(total);
      }
    }
  }
}

namespace {

// base^-beta over n values; beta = 0.75 (nearly every net) takes square roots
// instead of pow, which is the bulk of this layer's time otherwise.
void PowNegBeta(const float* base, float beta, int n, float* out) {
  if (beta == 0.75f) {
    for (int i = 0; i < n; ++i) {
      const float root = std::sqrt(base[i]);
      out[i] = 1.f / (root * std::sqrt(root));
    }
    return;
  }
  for (int i = 0; i < n; ++i) out[i] = std::pow(base[i], -beta);
}

}  // namespace

// Images are independent: they are spread over the thread pool, each thread
// with its own scratch.
void LRNLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const int dim = bottom[0]->count(1);
  const float* x = bottom[0]->data();
  float* scale = scale_.mutable_data();
  float* y = top[0]->mutable_data();
  const float shift = across_ ? k_ : 1.f;
  const float factor = across_ ? alpha_ / size_ : alpha_ / (size_ * size_);
  ParallelFor(num_, 1, [&](int, int begin, int end) {
    float* squares = scratch::Get<float>(scratch::Key::kLrnSquares, dim);
    float* power = scratch::Get<float>(scratch::Key::kLrnPowers, dim);
    for (int n = begin; n < end; ++n) {
      const size_t offset = static_cast<size_t>(n) * dim;
      const float* x_n = x + offset;
      float* base = scale + offset;
      for (int i = 0; i < dim; ++i) squares[i] = x_n[i] * x_n[i];
      NeighbourhoodSums(squares, base);
      for (int i = 0; i < dim; ++i) base[i] = shift + factor * base[i];
      PowNegBeta(base, beta_, dim, power);
      for (int i = 0; i < dim; ++i) y[offset + i] = x_n[i] * power[i];
    }
  });
}

void LRNLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                           const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  // dx = dy * base^-beta - 2 alpha' beta * x * sum over the neighbourhood of dy * y / base.
  const int dim = bottom[0]->count(1);
  const float* x = bottom[0]->data();
  const float* y = top[0]->data();
  const float* dy = top[0]->diff();
  const float* scale = scale_.data();
  float* dx = bottom[0]->mutable_diff();
  const float factor = across_ ? alpha_ / size_ : alpha_ / (size_ * size_);
  ParallelFor(num_, 1, [&](int, int begin, int end) {
    float* ratio = scratch::Get<float>(scratch::Key::kLrnRatios, dim);
    float* sums = scratch::Get<float>(scratch::Key::kLrnSums, dim);
    float* power = scratch::Get<float>(scratch::Key::kLrnPowers, dim);
    for (int n = begin; n < end; ++n) {
      const size_t offset = static_cast<size_t>(n) * dim;
      const float* base = scale + offset;
      for (int i = 0; i < dim; ++i) ratio[i] = dy[offset + i] * y[offset + i] / base[i];
      NeighbourhoodSums(ratio, sums);
      PowNegBeta(base, beta_, dim, power);
      for (int i = 0; i < dim; ++i) {
        dx[offset + i] = dy[offset + i] * power[i] - 2.f * factor * beta_ * x[offset + i] * sums[i];
      }
    }
  });
}

STRATA_REGISTER_LAYER(LRN);

}  // namespace strata
