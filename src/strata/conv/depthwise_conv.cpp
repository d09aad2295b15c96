#include "strata/conv/depthwise_conv.hpp"

#include <algorithm>
#include <cstring>

#include "strata/thread_pool.hpp"

namespace strata {

namespace {

// Output columns [lo, hi) whose input column ow * stride + offset lies in [0, width).
void ValidColumns(int offset, int stride, int width, int out_width, int* lo, int* hi) {
  *lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  *hi = offset > width - 1 ? 0 : std::min(out_width, (width - 1 - offset) / stride + 1);
  *hi = std::max(*hi, *lo);
}

// Calls fn(kernel index, input row, output row, lo, hi, input column offset)
// for every kernel tap and every output row whose input row is inside the image.
template <class Fn>
void ForEachTap(const math::Window2d& w, Fn fn) {
  const int out_h = w.output_height(), out_w = w.output_width();
  for (int kh = 0; kh < w.kernel_h; ++kh) {
    for (int kw = 0; kw < w.kernel_w; ++kw) {
      const int offset = kw * w.dilation_w - w.pad_w;
      int lo, hi;
      ValidColumns(offset, w.stride_w, w.width, out_w, &lo, &hi);
      if (lo == hi) continue;
      for (int oh = 0; oh < out_h; ++oh) {
        const int ih = oh * w.stride_h - w.pad_h + kh * w.dilation_h;
        if (ih < 0 || ih >= w.height) continue;
        fn(kh * w.kernel_w + kw, ih, oh, lo, hi, offset);
      }
    }
  }
}

}  // namespace

bool DepthwiseConv::Applies(const ConvProblem& p) {
  return !p.caffe_engine && p.shape.group > 1 && p.shape.group == p.shape.window.channels &&
         p.shape.out_channels % p.shape.group == 0;
}

void DepthwiseConv::Reshape(const ConvShape& shape) {
  ConvStrategy::Reshape(shape);
  multiplier_ = shape.out_channels / shape.group;
  taps_ = shape.window.kernel_h * shape.window.kernel_w;
  plane_ = static_cast<size_t>(shape.window.height) * shape.window.width;
}

void DepthwiseConv::Forward(const float* in, float* out, int begin, int end, const float* bias) {
  const ConvShape& s = shape();
  const math::Window2d& w = s.window;
  const int out_w = w.output_width(), spatial = s.out_spatial(), stride = w.stride_w;
  // Channels spread over the pool where the layer runs its images on one
  // thread (a batch of one); inside a hand-out of several they run here.
  for (int b = begin; b < end; ++b) {
    ParallelFor(s.out_channels, 4, [&](int, int first, int last) {
      for (int o = first; o < last; ++o) {
        const float* x = in + b * s.in_dim() + (o / multiplier_) * plane_;
        float* y = out + b * s.out_dim() + static_cast<size_t>(o) * spatial;
        std::fill(y, y + spatial, bias ? bias[o] : 0.f);
        const float* k = weights_ + static_cast<size_t>(o) * taps_;
        ForEachTap(w, [&](int tap, int ih, int oh, int lo, int hi, int offset) {
          const float weight = k[tap];
          const float* xr = x + static_cast<size_t>(ih) * w.width + offset;
          float* yr = y + static_cast<size_t>(oh) * out_w;
          if (stride == 1) {
            for (int ow = lo; ow < hi; ++ow) yr[ow] += weight * xr[ow];
          } else {
            for (int ow = lo; ow < hi; ++ow) yr[ow] += weight * xr[ow * stride];
          }
        });
      }
    });
  }
}

void DepthwiseConv::Backward(const float* in, const float* out_diff, int begin, int end,
                             float* in_diff, float* weights_diff) {
  const ConvShape& s = shape();
  const math::Window2d& w = s.window;
  const int out_w = w.output_width(), spatial = s.out_spatial(), stride = w.stride_w;
  for (int b = begin; b < end; ++b) {
    if (in_diff != nullptr) std::memset(in_diff + b * s.in_dim(), 0, sizeof(float) * s.in_dim());
    for (int o = 0; o < s.out_channels; ++o) {
      const size_t at = b * s.in_dim() + (o / multiplier_) * plane_;
      const float* dy = out_diff + b * s.out_dim() + static_cast<size_t>(o) * spatial;
      const float* k = weights_ + static_cast<size_t>(o) * taps_;
      float* dk = weights_diff ? weights_diff + static_cast<size_t>(o) * taps_ : nullptr;
      ForEachTap(w, [&](int tap, int ih, int oh, int lo, int hi, int offset) {
        const size_t row = at + static_cast<size_t>(ih) * w.width + offset;
        const float* dyr = dy + static_cast<size_t>(oh) * out_w;
        if (in_diff != nullptr) {
          float* dxr = in_diff + row;
          const float weight = k[tap];
          for (int ow = lo; ow < hi; ++ow) dxr[ow * stride] += weight * dyr[ow];
        }
        if (dk != nullptr) {
          const float* xr = in + row;
          float sum = 0.f;
          for (int ow = lo; ow < hi; ++ow) sum += dyr[ow] * xr[ow * stride];
          dk[tap] += sum;
        }
      });
    }
  }
}

}  // namespace strata
