#include "strata/conv/depthwise_conv.hpp"

#include <algorithm>
#include <vector>

#include "strata/kernels/depthwise_kernels.hpp"
#include "strata/scratch.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

namespace {

// One input channel zero-padded, each padded row split into `stride_w`
// column phases (phase j holds padded columns j, j + stride_w, ...): every
// tap of a row of outputs then reads consecutive values, with no edge cases.
class PaddedChannel {
  static int RoundUp(int n, int multiple) { return (n + multiple - 1) / multiple * multiple; }

 public:
  PaddedChannel(const math::Window2d& w, const kernels::DepthwiseKernels& kernels)
      : w_(w),
        kernels_(kernels),
        rows_((w.output_height() - 1) * w.stride_h + (w.kernel_h - 1) * w.dilation_h + 1),
        output_row_(RoundUp(w.output_width(), kernels.lanes)),
        // Whole vectors of `lanes` outputs and the furthest tap beyond them,
        // rounded up to whole vectors: every row then starts on a vector's
        // boundary, and a tap at column 0 reads whole cache lines.
        phase_len_(RoundUp(output_row_ + (w.kernel_w - 1) * w.dilation_w / w.stride_w + 1,
                           kernels.lanes)) {}

  // A row of outputs as whole vectors.
  int output_row() const { return output_row_; }

  size_t floats() const { return static_cast<size_t>(rows_) * row_floats(); }
  size_t row_floats() const { return static_cast<size_t>(w_.stride_w) * phase_len_; }

  // Zeroes `plane` and `row` (stride_w * phase_len values, a padded row on
  // its way into the phases): the padding Fill leaves alone.
  void Clear(float* plane, float* row) const {
    std::fill_n(plane, floats(), 0.f);
    std::fill_n(row, row_floats(), 0.f);
  }

  // The channel x into `plane`, after Clear: only the image's own values are
  // written, so the zero padding stays from one channel to the next.
  void Fill(const float* x, float* plane, float* row) const {
    const int s = w_.stride_w, padded = s * phase_len_;
    // Padded columns [lo, hi) lie inside the image.
    const int lo = std::min(padded, w_.pad_w),
              hi = std::max(lo, std::min(padded, w_.pad_w + w_.width));
    const int first = std::max(0, w_.pad_h), last = std::min(rows_, w_.pad_h + w_.height);
    for (int r = first; r < last; ++r) {
      const int ih = r - w_.pad_h;
      float* dst = plane + static_cast<size_t>(r) * padded;
      float* line = s == 1 ? dst : row;
      kernels_.copy_row(x + static_cast<size_t>(ih) * w_.width + (lo - w_.pad_w), hi - lo,
                        line + lo);
      if (s == 2) {  // the common strided case, in the kernel set's vectors
        kernels_.split_row(row, phase_len_, dst, dst + phase_len_);
      } else if (s > 2) {
        for (int j = 0; j < s; ++j) {
          for (int i = 0; i < phase_len_; ++i) dst[j * phase_len_ + i] = row[i * s + j];
        }
      }
    }
  }

  // The image's part of a padded plane (the gradient the backward built in
  // that layout) into x; the image's values that no tap reads get 0.
  void Unfill(const float* plane, float* x) const {
    const int s = w_.stride_w, padded = s * phase_len_;
    for (int ih = 0; ih < w_.height; ++ih, x += w_.width) {
      const int r = ih + w_.pad_h;
      // The image's columns [0, inside) lie in the plane's row.
      const int inside = r < rows_ ? std::clamp(padded - w_.pad_w, 0, w_.width) : 0;
      std::fill(x + inside, x + w_.width, 0.f);
      if (inside == 0) continue;
      const float* src = plane + static_cast<size_t>(r) * padded;
      if (s == 1) {
        std::copy_n(src + w_.pad_w, inside, x);
        continue;
      }
      // Phase j holds padded columns j, j + s, ...: its first inside the image is c.
      for (int j = 0; j < s; ++j) {
        const int c = w_.pad_w + ((j - w_.pad_w) % s + s) % s;
        const float* phase = src + j * phase_len_ + c / s;
        for (int iw = c - w_.pad_w, i = 0; iw < inside; iw += s, ++i) x[iw] = phase[i];
      }
    }
  }

  // Where tap (kh, kw)'s values start for output row 0; row oh's lie
  // oh * RowStep() further.
  size_t TapOffset(int kh, int kw) const {
    const int column = kw * w_.dilation_w;
    return (static_cast<size_t>(kh) * w_.dilation_h * w_.stride_w + column % w_.stride_w) *
               phase_len_ +
           column / w_.stride_w;
  }
  std::vector<size_t> TapOffsets() const {
    std::vector<size_t> offsets;
    for (int kh = 0; kh < w_.kernel_h; ++kh) {
      for (int kw = 0; kw < w_.kernel_w; ++kw) offsets.push_back(TapOffset(kh, kw));
    }
    return offsets;
  }
  size_t RowStep() const { return static_cast<size_t>(w_.stride_h) * w_.stride_w * phase_len_; }

 private:
  math::Window2d w_;
  const kernels::DepthwiseKernels& kernels_;
  int rows_, output_row_, phase_len_;
};

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

void DepthwiseConv::Forward(const float* in, float* out, int begin, int end,
                            const ConvEpilogue& epilogue) {
  const float* bias = epilogue.bias;
  const ConvShape& s = shape();
  const math::Window2d& w = s.window;
  const int out_h = w.output_height(), out_w = w.output_width(), spatial = s.out_spatial();
  const kernels::DepthwiseKernels& kernels = kernels::DepthwiseKernelsFor(math::GemmIsa());
  const PaddedChannel layout(w, kernels);
  const float slope = epilogue.relu_slope;
  const std::vector<size_t> tap_offsets = layout.TapOffsets();
  // Channels spread over the pool where the layer runs its images on one
  // thread (a batch of one); inside a hand-out of several they run here.
  for (int b = begin; b < end; ++b) {
    ParallelFor(s.out_channels, 4, [&](int, int first, int last) {
      float* plane = scratch::Get<float>(scratch::Key::kDepthwisePlane, layout.floats());
      float* row = scratch::Get<float>(scratch::Key::kDepthwiseRow, layout.row_floats());
      layout.Clear(plane, row);
      int filled = -1;
      for (int o = first; o < last; ++o) {
        const int c = o / multiplier_;
        if (c != filled) layout.Fill(in + b * s.in_dim() + c * plane_, plane, row);
        filled = c;
        kernels.output_plane(out_h, out_w, layout.RowStep(), taps_, tap_offsets.data(), plane,
                             weights_ + static_cast<size_t>(o) * taps_, bias ? bias[o] : 0.f, slope,
                             out + b * s.out_dim() + static_cast<size_t>(o) * spatial);
      }
    });
  }
}

// In the forward's padded layout: each input channel's plane (for the weight
// gradient) and its gradient (for the input gradient, summed over the
// channel's outputs, then cut back to the image). Channels spread over the
// pool where the layer runs its images on one thread; each part writes only
// its own channels' dk and dx.
void DepthwiseConv::Backward(const float* in, const float* out_diff, int begin, int end,
                             float* in_diff, float* weights_diff) {
  const ConvShape& s = shape();
  const math::Window2d& w = s.window;
  const int out_h = w.output_height(), out_w = w.output_width(), spatial = s.out_spatial();
  const kernels::DepthwiseKernels& kernels = kernels::DepthwiseKernelsFor(math::GemmIsa());
  const PaddedChannel layout(w, kernels);
  const std::vector<size_t> tap_offsets = layout.TapOffsets();
  const int dy_row = layout.output_row();
  for (int b = begin; b < end; ++b) {
    ParallelFor(w.channels, 2, [&](int, int first, int last) {
      float* plane = scratch::Get<float>(scratch::Key::kDepthwisePlane, layout.floats());
      float* row = scratch::Get<float>(scratch::Key::kDepthwiseRow, layout.row_floats());
      float* dplane = scratch::Get<float>(scratch::Key::kDepthwisePlaneGrad, layout.floats());
      float* dy = scratch::Get<float>(scratch::Key::kDepthwiseOutputGrad,
                                      static_cast<size_t>(out_h) * dy_row);
      layout.Clear(plane, row);
      for (int oh = 0; oh < out_h; ++oh) std::fill_n(dy + oh * dy_row + out_w, dy_row - out_w, 0.f);
      for (int c = first; c < last; ++c) {
        if (weights_diff != nullptr) layout.Fill(in + b * s.in_dim() + c * plane_, plane, row);
        if (in_diff != nullptr) std::fill_n(dplane, layout.floats(), 0.f);
        for (int o = c * multiplier_; o < (c + 1) * multiplier_; ++o) {
          const float* y = out_diff + b * s.out_dim() + static_cast<size_t>(o) * spatial;
          for (int oh = 0; oh < out_h; ++oh) std::copy_n(y + oh * out_w, out_w, dy + oh * dy_row);
          if (weights_diff != nullptr) {
            kernels.weight_grad_plane(out_h, dy_row, layout.RowStep(), taps_, tap_offsets.data(),
                                      plane, dy, weights_diff + static_cast<size_t>(o) * taps_);
          }
          if (in_diff != nullptr) {
            kernels.input_grad_plane(out_h, dy_row, layout.RowStep(), taps_, tap_offsets.data(), dy,
                                     weights_ + static_cast<size_t>(o) * taps_, dplane);
          }
        }
        if (in_diff != nullptr) layout.Unfill(dplane, in_diff + b * s.in_dim() + c * plane_);
      }
    });
  }
}

}  // namespace strata
