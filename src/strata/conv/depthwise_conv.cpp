#include "strata/conv/depthwise_conv.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "strata/kernels/depthwise_kernels.hpp"
#include "strata/scratch.hpp"
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

// One input channel zero-padded, each padded row split into `stride_w`
// column phases (phase j holds padded columns j, j + stride_w, ...): every
// tap of a row of outputs then reads consecutive values, with no edge cases.
class PaddedChannel {
 public:
  PaddedChannel(const math::Window2d& w, int lanes)
      : w_(w),
        rows_((w.output_height() - 1) * w.stride_h + (w.kernel_h - 1) * w.dilation_h + 1),
        // Whole vectors of `lanes` outputs, and the furthest tap beyond them.
        phase_len_((w.output_width() + lanes - 1) / lanes * lanes +
                   (w.kernel_w - 1) * w.dilation_w / w.stride_w + 1) {}

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
      std::copy_n(x + static_cast<size_t>(ih) * w_.width + (lo - w_.pad_w), hi - lo, line + lo);
      if (s == 2) {  // the common strided case, in one pass the compiler vectorises
        float* even = dst;
        float* odd = dst + phase_len_;
        for (int i = 0; i < phase_len_; ++i) {
          even[i] = row[2 * i];
          odd[i] = row[2 * i + 1];
        }
      } else if (s > 2) {
        for (int j = 0; j < s; ++j) {
          for (int i = 0; i < phase_len_; ++i) dst[j * phase_len_ + i] = row[i * s + j];
        }
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
  size_t RowStep() const { return static_cast<size_t>(w_.stride_h) * w_.stride_w * phase_len_; }

 private:
  math::Window2d w_;
  int rows_, phase_len_;
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
  const PaddedChannel layout(w, kernels.lanes);
  const float slope = epilogue.relu_slope;
  std::vector<size_t> tap_offsets;
  for (int kh = 0; kh < w.kernel_h; ++kh) {
    for (int kw = 0; kw < w.kernel_w; ++kw) tap_offsets.push_back(layout.TapOffset(kh, kw));
  }
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
