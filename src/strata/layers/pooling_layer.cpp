#include "strata/layers/pooling_layer.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

void PoolingLayer::LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& /*top*/) {
  const PoolingParameter& p = layer_param_.pooling_param();
  if (p.pool() == PoolingParameter::STOCHASTIC) {
    throw ConfigError(
        "STOCHASTIC pooling is not supported (Caffe has it on GPU only); use MAX or AVE");
  }
  if (bottom[0]->num_axes() != 4) {
    throw ShapeError("pooling needs a 4-D bottom (N x C x H x W), got " +
                     bottom[0]->shape_string());
  }
  // uint32 values past 2^24 would turn negative when cast, or overflow the
  // output size arithmetic: say which, rather than report a negative size.
  const int kLargest = 1 << 24;
  for (const uint32_t value : {p.kernel_size(), p.kernel_h(), p.kernel_w(), p.pad(), p.pad_h(),
                               p.pad_w(), p.stride(), p.stride_h(), p.stride_w()}) {
    if (value > static_cast<uint32_t>(kLargest)) {
      throw ConfigError("pooling_param has a kernel, pad or stride of " + std::to_string(value) +
                        ", too large (at most " + std::to_string(kLargest) + ")");
    }
  }
  global_ = p.global_pooling();
  const bool has_size = p.has_kernel_size();
  const bool has_hw = p.has_kernel_h() || p.has_kernel_w();
  if (global_) {
    if (has_size || has_hw) throw ConfigError("global_pooling takes no kernel size");
  } else {
    if (has_size == has_hw) {
      throw ConfigError("pooling_param needs kernel_size, or kernel_h and kernel_w (not both)");
    }
    if (has_hw && !(p.has_kernel_h() && p.has_kernel_w())) {
      throw ConfigError("kernel_h and kernel_w go together");
    }
    kernel_h_ = static_cast<int>(has_size ? p.kernel_size() : p.kernel_h());
    kernel_w_ = static_cast<int>(has_size ? p.kernel_size() : p.kernel_w());
    if (kernel_h_ <= 0 || kernel_w_ <= 0) throw ConfigError("kernel size must be positive");
  }
  if (p.has_pad_h() != p.has_pad_w()) throw ConfigError("pad_h and pad_w go together");
  if (p.has_pad() && p.has_pad_h()) throw ConfigError("give pad or pad_h/pad_w, not both");
  pad_h_ = static_cast<int>(p.has_pad_h() ? p.pad_h() : p.pad());
  pad_w_ = static_cast<int>(p.has_pad_w() ? p.pad_w() : p.pad());
  if (p.has_stride_h() != p.has_stride_w()) throw ConfigError("stride_h and stride_w go together");
  if (p.has_stride() && p.has_stride_h()) {
    throw ConfigError("give stride or stride_h/stride_w, not both");
  }
  stride_h_ = static_cast<int>(p.has_stride_h() ? p.stride_h() : p.stride());
  stride_w_ = static_cast<int>(p.has_stride_w() ? p.stride_w() : p.stride());
  if (stride_h_ <= 0 || stride_w_ <= 0) throw ConfigError("stride must be positive");
  if (global_ && (pad_h_ || pad_w_ || stride_h_ != 1 || stride_w_ != 1)) {
    throw ConfigError("global_pooling needs pad 0 and stride 1");
  }
  if (!global_ && (pad_h_ >= kernel_h_ || pad_w_ >= kernel_w_)) {
    throw ConfigError("pad must be smaller than the kernel");
  }
}

void PoolingLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  if (bottom[0]->num_axes() != 4) {
    throw ShapeError("pooling needs a 4-D bottom (N x C x H x W), got " +
                     bottom[0]->shape_string());
  }
  channels_ = bottom[0]->shape(1);
  height_ = bottom[0]->shape(2);
  width_ = bottom[0]->shape(3);
  if (global_) {
    kernel_h_ = height_;
    kernel_w_ = width_;
  }
  if (height_ + 2 * pad_h_ < kernel_h_ || width_ + 2 * pad_w_ < kernel_w_) {
    throw ShapeError("a " + std::to_string(kernel_h_) + "x" + std::to_string(kernel_w_) +
                     " window with pad " + std::to_string(pad_h_) +
                     " does not fit the bottom shape " + bottom[0]->shape_string());
  }
  const bool ceil = layer_param_.pooling_param().round_mode() == PoolingParameter::CEIL;
  auto pooled = [ceil](int size, int pad, int kernel, int stride) {
    const double steps = static_cast<double>(size + 2 * pad - kernel) / stride;
    return static_cast<int>(ceil ? std::ceil(steps) : std::floor(steps)) + 1;
  };
  pooled_h_ = pooled(height_, pad_h_, kernel_h_, stride_h_);
  pooled_w_ = pooled(width_, pad_w_, kernel_w_, stride_w_);
  // The last window must start inside the image or its left/top padding.
  if (pad_h_ && (pooled_h_ - 1) * stride_h_ >= height_ + pad_h_) --pooled_h_;
  if (pad_w_ && (pooled_w_ - 1) * stride_w_ >= width_ + pad_w_) --pooled_w_;
  const std::vector<int> shape{bottom[0]->shape(0), channels_, pooled_h_, pooled_w_};
  for (Blob* t : top) t->Reshape(shape);
  argmax_.resize(top[0]->count());
  // MAX with a 2x2 or 3x3 window runs an unrolled kernel where the window
  // lies inside the image (padding and partial windows only touch the border
  // outputs), when those outputs are at least 8 wide (below that the general
  // loop is faster).
  const auto interior = [](int size, int kernel, int stride, int pad, int pooled) {
    Range r;
    r.begin = std::min((pad + stride - 1) / stride, pooled);
    r.end = size + pad >= kernel ? std::min((size + pad - kernel) / stride + 1, pooled) : 0;
    r.end = std::max(r.end, r.begin);
    return r;
  };
  interior_h_ = interior(height_, kernel_h_, stride_h_, pad_h_, pooled_h_);
  interior_w_ = interior(width_, kernel_w_, stride_w_, pad_w_, pooled_w_);
  const bool max = layer_param_.pooling_param().pool() == PoolingParameter::MAX;
  unrolled_kernel_ = max && interior_w_.end - interior_w_.begin >= 8 &&
                             interior_h_.end > interior_h_.begin && kernel_h_ == kernel_w_ &&
                             (kernel_h_ == 2 || kernel_h_ == 3)
                         ? kernel_h_
                         : 0;
  tiled_2x2_ = max && pad_h_ == 0 && pad_w_ == 0 && kernel_h_ == 2 && kernel_w_ == 2 &&
               stride_h_ == 2 && stride_w_ == 2 && 2 * pooled_h_ <= height_ &&
               2 * pooled_w_ <= width_;
}

namespace {

// MAX pooling of the outputs [ph0, ph1) x [pw0, pw1) of one plane, whose
// windows all lie inside it, with the window size known at compile time so
// that the loops unroll. Same result and tie rule as the general loop.
template <int KH, int KW>
void MaxPoolInterior(const float* in, int width, int pooled_w, int stride_h, int stride_w,
                     int pad_h, int pad_w, int ph0, int ph1, int pw0, int pw1, float* out,
                     int* arg) {
  for (int ph = ph0; ph < ph1; ++ph) {
    const int h0 = ph * stride_h - pad_h;
    for (int pw = pw0; pw < pw1; ++pw) {
      const int w0 = pw * stride_w - pad_w;
      float best = -FLT_MAX;
      int best_index = -1;
      for (int kh = 0; kh < KH; ++kh) {
        const float* row = in + (h0 + kh) * width + w0;
        for (int kw = 0; kw < KW; ++kw) {
          const bool better = row[kw] > best;
          best = better ? row[kw] : best;
          best_index = better ? (h0 + kh) * width + w0 + kw : best_index;
        }
      }
      out[ph * pooled_w + pw] = best;
      arg[ph * pooled_w + pw] = best_index;
    }
  }
}

// 2x2 windows with stride 2 tile the plane: four outputs at a time from two
// input rows, the even and odd columns split apart by shuffles. The scan order
// and tie rule are the general loop's: (0,0), (0,1), (1,0), (1,1), strict >,
// starting from -FLT_MAX (so an all-NaN window keeps index -1).
void MaxPoolTiled2x2(const float* in, int width, int pooled_h, int pooled_w, float* out, int* arg) {
  for (int ph = 0; ph < pooled_h; ++ph) {
    const float* r0 = in + 2 * ph * width;
    const float* r1 = r0 + width;
    float* o = out + ph * pooled_w;
    int* a = arg + ph * pooled_w;
    int pw = 0;
#if defined(__SSE2__)
    const __m128i step = _mm_set_epi32(6, 4, 2, 0);
    for (; pw + 4 <= pooled_w; pw += 4) {
      const __m128 a0 = _mm_loadu_ps(r0 + 2 * pw), b0 = _mm_loadu_ps(r0 + 2 * pw + 4);
      const __m128 a1 = _mm_loadu_ps(r1 + 2 * pw), b1 = _mm_loadu_ps(r1 + 2 * pw + 4);
      const __m128 candidates[4] = {_mm_shuffle_ps(a0, b0, _MM_SHUFFLE(2, 0, 2, 0)),
                                    _mm_shuffle_ps(a0, b0, _MM_SHUFFLE(3, 1, 3, 1)),
                                    _mm_shuffle_ps(a1, b1, _MM_SHUFFLE(2, 0, 2, 0)),
                                    _mm_shuffle_ps(a1, b1, _MM_SHUFFLE(3, 1, 3, 1))};
      const __m128i base = _mm_add_epi32(_mm_set1_epi32(2 * ph * width + 2 * pw), step);
      const int offsets[4] = {0, 1, width, width + 1};
      __m128 best = _mm_set1_ps(-FLT_MAX);
      __m128i best_index = _mm_set1_epi32(-1);
      for (int k = 0; k < 4; ++k) {
        const __m128 better = _mm_cmpgt_ps(candidates[k], best);
        const __m128i take = _mm_castps_si128(better);
        best = _mm_or_ps(_mm_and_ps(better, candidates[k]), _mm_andnot_ps(better, best));
        const __m128i index = _mm_add_epi32(base, _mm_set1_epi32(offsets[k]));
        best_index = _mm_or_si128(_mm_and_si128(take, index), _mm_andnot_si128(take, best_index));
      }
      _mm_storeu_ps(o + pw, best);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(a + pw), best_index);
    }
#endif
    for (; pw < pooled_w; ++pw) {
      float best = -FLT_MAX;
      int best_index = -1;
      const int offsets[4] = {0, 1, width, width + 1};
      for (int k = 0; k < 4; ++k) {
        const int index = 2 * ph * width + 2 * pw + offsets[k];
        const bool better = in[index] > best;
        best = better ? in[index] : best;
        best_index = better ? index : best_index;
      }
      o[pw] = best;
      a[pw] = best_index;
    }
  }
}

// The adjoint of MaxPoolTiled2x2: each input is in at most one window, so the
// plane is written once, row by row (the winner gets the gradient, the rest
// 0), instead of cleared and then scattered into.
void MaxUnpoolTiled2x2(const float* out_diff, const int* arg, int height, int width, int pooled_h,
                       int pooled_w, float* in_diff) {
  for (int ph = 0; ph < pooled_h; ++ph) {
    float* r0 = in_diff + 2 * ph * width;
    float* r1 = r0 + width;
    const float* d = out_diff + ph * pooled_w;
    const int* a = arg + ph * pooled_w;
    int pw = 0;
#if defined(__SSE2__)
    const __m128i step = _mm_set_epi32(6, 4, 2, 0);
    for (; pw + 4 <= pooled_w; pw += 4) {
      const __m128 g = _mm_loadu_ps(d + pw);
      const __m128i winner = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + pw));
      const __m128i base = _mm_add_epi32(_mm_set1_epi32(2 * ph * width + 2 * pw), step);
      auto share = [&](int offset) {
        const __m128i hit = _mm_cmpeq_epi32(winner, _mm_add_epi32(base, _mm_set1_epi32(offset)));
        return _mm_and_ps(_mm_castsi128_ps(hit), g);
      };
      const __m128 g00 = share(0), g01 = share(1), g10 = share(width), g11 = share(width + 1);
      _mm_storeu_ps(r0 + 2 * pw, _mm_unpacklo_ps(g00, g01));
      _mm_storeu_ps(r0 + 2 * pw + 4, _mm_unpackhi_ps(g00, g01));
      _mm_storeu_ps(r1 + 2 * pw, _mm_unpacklo_ps(g10, g11));
      _mm_storeu_ps(r1 + 2 * pw + 4, _mm_unpackhi_ps(g10, g11));
    }
#endif
    for (; pw < pooled_w; ++pw) {
      const int index = 2 * ph * width + 2 * pw;
      r0[2 * pw] = a[pw] == index ? d[pw] : 0.f;
      r0[2 * pw + 1] = a[pw] == index + 1 ? d[pw] : 0.f;
      r1[2 * pw] = a[pw] == index + width ? d[pw] : 0.f;
      r1[2 * pw + 1] = a[pw] == index + width + 1 ? d[pw] : 0.f;
    }
    // An odd width leaves a last column no window reads.
    for (int x = 2 * pooled_w; x < width; ++x) r0[x] = r1[x] = 0.f;
  }
  // Likewise rows below the last window.
  std::fill(in_diff + 2 * pooled_h * width, in_diff + height * width, 0.f);
}

}  // namespace

void PoolingLayer::ForwardPlane(const float* in, float* out, int* arg) const {
  const bool max = layer_param_.pooling_param().pool() == PoolingParameter::MAX;
  if (tiled_2x2_) {
    MaxPoolTiled2x2(in, width_, pooled_h_, pooled_w_, out, arg);
    return;
  }
  if (unrolled_kernel_ != 0) {
    const Range& h = interior_h_;
    const Range& w = interior_w_;
    // The border (padded or partial windows) through the general loop.
    MaxPoolWindows(in, 0, h.begin, 0, pooled_w_, out, arg);
    MaxPoolWindows(in, h.end, pooled_h_, 0, pooled_w_, out, arg);
    MaxPoolWindows(in, h.begin, h.end, 0, w.begin, out, arg);
    MaxPoolWindows(in, h.begin, h.end, w.end, pooled_w_, out, arg);
    const auto unrolled = unrolled_kernel_ == 2 ? MaxPoolInterior<2, 2> : MaxPoolInterior<3, 3>;
    unrolled(in, width_, pooled_w_, stride_h_, stride_w_, pad_h_, pad_w_, h.begin, h.end, w.begin,
             w.end, out, arg);
    return;
  }
  if (max) {
    MaxPoolWindows(in, 0, pooled_h_, 0, pooled_w_, out, arg);
    return;
  }
  for (int ph = 0; ph < pooled_h_; ++ph) {
    for (int pw = 0; pw < pooled_w_; ++pw) {
      int h0 = ph * stride_h_ - pad_h_, w0 = pw * stride_w_ - pad_w_;
      int h1 = std::min(h0 + kernel_h_, height_ + pad_h_);
      int w1 = std::min(w0 + kernel_w_, width_ + pad_w_);
      const int size = (h1 - h0) * (w1 - w0);
      h0 = std::max(h0, 0);
      w0 = std::max(w0, 0);
      h1 = std::min(h1, height_);
      w1 = std::min(w1, width_);
      float sum = 0.f;
      for (int h = h0; h < h1; ++h) {
        for (int w = w0; w < w1; ++w) sum += in[h * width_ + w];
      }
      out[ph * pooled_w_ + pw] = sum / size;
    }
  }
}

void PoolingLayer::MaxPoolWindows(const float* in, int ph0, int ph1, int pw0, int pw1, float* out,
                                  int* arg) const {
  for (int ph = ph0; ph < ph1; ++ph) {
    for (int pw = pw0; pw < pw1; ++pw) {
      const int h0 = std::max(ph * stride_h_ - pad_h_, 0);
      const int w0 = std::max(pw * stride_w_ - pad_w_, 0);
      const int h1 = std::min(ph * stride_h_ - pad_h_ + kernel_h_, height_);
      const int w1 = std::min(pw * stride_w_ - pad_w_ + kernel_w_, width_);
      // The first largest value wins (strict >), scanning rows then columns.
      float best = -FLT_MAX;
      int best_index = -1;
      for (int h = h0; h < h1; ++h) {
        const float* row = in + h * width_;
        for (int w = w0; w < w1; ++w) {
          // Branch-free: with real data the winner is unpredictable.
          const float v = row[w];
          const bool better = v > best;
          best = better ? v : best;
          best_index = better ? h * width_ + w : best_index;
        }
      }
      out[ph * pooled_w_ + pw] = best;
      arg[ph * pooled_w_ + pw] = best_index;
    }
  }
}

void PoolingLayer::BackwardPlane(const float* out, const int* arg, float* in) const {
  const bool max = layer_param_.pooling_param().pool() == PoolingParameter::MAX;
  if (tiled_2x2_) {
    MaxUnpoolTiled2x2(out, arg, height_, width_, pooled_h_, pooled_w_, in);
    return;
  }
  std::fill(in, in + static_cast<size_t>(height_) * width_, 0.f);
  for (int ph = 0; ph < pooled_h_; ++ph) {
    for (int pw = 0; pw < pooled_w_; ++pw) {
      const int o = ph * pooled_w_ + pw;
      if (max) {
        if (arg[o] >= 0) in[arg[o]] += out[o];
        continue;
      }
      int h0 = ph * stride_h_ - pad_h_, w0 = pw * stride_w_ - pad_w_;
      int h1 = std::min(h0 + kernel_h_, height_ + pad_h_);
      int w1 = std::min(w0 + kernel_w_, width_ + pad_w_);
      const float share = out[o] / ((h1 - h0) * (w1 - w0));
      h0 = std::max(h0, 0);
      w0 = std::max(w0, 0);
      h1 = std::min(h1, height_);
      w1 = std::min(w1, width_);
      for (int h = h0; h < h1; ++h) {
        for (int w = w0; w < w1; ++w) in[h * width_ + w] += share;
      }
    }
  }
}

// Planes (one channel of one image) are independent: they are handed out to
// the thread pool in about 32 chunks of at least 16 planes.
namespace {
int PlanesPerHandOut(int planes) { return ChunkGrain(planes, 32, 16); }
}  // namespace

void PoolingLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  const size_t in_plane = static_cast<size_t>(height_) * width_;
  const size_t out_plane = static_cast<size_t>(pooled_h_) * pooled_w_;
  const int planes = bottom[0]->shape(0) * channels_;
  ParallelChunks(planes, PlanesPerHandOut(planes), [&](int begin, int end) {
    for (int plane = begin; plane < end; ++plane) {
      ForwardPlane(x + plane * in_plane, y + plane * out_plane, argmax_.data() + plane * out_plane);
    }
  });
  if (top.size() > 1) {
    float* mask = top[1]->mutable_data();
    for (size_t i = 0; i < argmax_.size(); ++i) mask[i] = static_cast<float>(argmax_[i]);
  }
}

void PoolingLayer::BackwardCpu(const std::vector<Blob*>& top,
                               const std::vector<bool>& propagate_down,
                               const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  const size_t in_plane = static_cast<size_t>(height_) * width_;
  const size_t out_plane = static_cast<size_t>(pooled_h_) * pooled_w_;
  const int planes = bottom[0]->shape(0) * channels_;
  ParallelChunks(planes, PlanesPerHandOut(planes), [&](int begin, int end) {
    for (int plane = begin; plane < end; ++plane) {
      BackwardPlane(dy + plane * out_plane, argmax_.data() + plane * out_plane,
                    dx + plane * in_plane);
    }
  });
}

STRATA_REGISTER_LAYER(Pooling);

}  // namespace strata
