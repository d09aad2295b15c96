#include "strata/layers/pooling_layer.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

void PoolingLayer::LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& /*top*/) {
  const PoolingParameter& p = layer_param_.pooling_param();
  if (p.pool() == PoolingParameter::STOCHASTIC) {
    throw ConfigError("STOCHASTIC pooling is not supported (Caffe has it on GPU only); use MAX or AVE");
  }
  if (bottom[0]->num_axes() != 4) {
    throw ShapeError("pooling needs a 4-D bottom (N x C x H x W), got " + bottom[0]->shape_string());
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
    throw ShapeError("pooling needs a 4-D bottom (N x C x H x W), got " + bottom[0]->shape_string());
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
  // MAX with a 2x2 or 3x3 window that always lies inside the image runs an
  // unrolled kernel (for outputs at least 8 wide; measured: for narrower ones
  // the general loop is the faster one).
  const bool interior = pooled_w_ >= 8 && pad_h_ == 0 && pad_w_ == 0 &&
                        (pooled_h_ - 1) * stride_h_ + kernel_h_ <= height_ &&
                        (pooled_w_ - 1) * stride_w_ + kernel_w_ <= width_;
  const bool max = layer_param_.pooling_param().pool() == PoolingParameter::MAX;
  unrolled_kernel_ = max && interior && kernel_h_ == kernel_w_ && (kernel_h_ == 2 || kernel_h_ == 3)
                         ? kernel_h_
                         : 0;
}

namespace {

// MAX pooling of one plane whose every window lies inside it (no padding, no
// partial window at the edge), with the window size known at compile time so
// that the loops unroll. Same result and tie rule as the general loop.
template <int KH, int KW>
void MaxPoolInterior(const float* in, int width, int pooled_h, int pooled_w, int stride_h,
                     int stride_w, float* out, int* arg) {
  for (int ph = 0; ph < pooled_h; ++ph) {
    const int h0 = ph * stride_h;
    for (int pw = 0; pw < pooled_w; ++pw) {
      const int w0 = pw * stride_w;
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

}  // namespace

void PoolingLayer::ForwardPlane(const float* in, float* out, int* arg) const {
  const bool max = layer_param_.pooling_param().pool() == PoolingParameter::MAX;
  if (unrolled_kernel_ == 2) {
    MaxPoolInterior<2, 2>(in, width_, pooled_h_, pooled_w_, stride_h_, stride_w_, out, arg);
    return;
  }
  if (unrolled_kernel_ == 3) {
    MaxPoolInterior<3, 3>(in, width_, pooled_h_, pooled_w_, stride_h_, stride_w_, out, arg);
    return;
  }
  for (int ph = 0; ph < pooled_h_; ++ph) {
    for (int pw = 0; pw < pooled_w_; ++pw) {
      int h0 = ph * stride_h_ - pad_h_, w0 = pw * stride_w_ - pad_w_;
      if (max) {
        const int h1 = std::min(h0 + kernel_h_, height_), w1 = std::min(w0 + kernel_w_, width_);
        h0 = std::max(h0, 0);
        w0 = std::max(w0, 0);
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
      } else {
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
}

void PoolingLayer::BackwardPlane(const float* out, const int* arg, float* in) const {
  const bool max = layer_param_.pooling_param().pool() == PoolingParameter::MAX;
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

// Planes (one channel of one image) are independent: they are spread over the
// thread pool.
void PoolingLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  const size_t in_plane = static_cast<size_t>(height_) * width_;
  const size_t out_plane = static_cast<size_t>(pooled_h_) * pooled_w_;
  ParallelFor(bottom[0]->shape(0) * channels_, 16, [&](int, int begin, int end) {
    for (int plane = begin; plane < end; ++plane) {
      ForwardPlane(x + plane * in_plane, y + plane * out_plane, argmax_.data() + plane * out_plane);
    }
  });
  if (top.size() > 1) {
    float* mask = top[1]->mutable_data();
    for (size_t i = 0; i < argmax_.size(); ++i) mask[i] = static_cast<float>(argmax_[i]);
  }
}

void PoolingLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                               const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  const size_t in_plane = static_cast<size_t>(height_) * width_;
  const size_t out_plane = static_cast<size_t>(pooled_h_) * pooled_w_;
  ParallelFor(bottom[0]->shape(0) * channels_, 16, [&](int, int begin, int end) {
    for (int plane = begin; plane < end; ++plane) {
      BackwardPlane(dy + plane * out_plane, argmax_.data() + plane * out_plane, dx + plane * in_plane);
    }
  });
}

STRATA_REGISTER_LAYER(Pooling);

}  // namespace strata
