#include "strata/conv/pointwise_conv.hpp"

#include <algorithm>

#include "strata/conv/column_conv.hpp"
#include "strata/conv/packed_conv.hpp"
#include "strata/gemm_nt.hpp"
#include "strata/scratch.hpp"

namespace strata {

namespace {

// Columns (images x output pixels) per backward step: one weight-gradient
// product over that many keeps dW's tiles in registers long enough, where a
// small map's own columns are too few.
constexpr int kGatherColumns = 256;

}  // namespace

bool PointwiseConv::Applies(const ConvProblem& p) {
  const math::Window2d& w = p.shape.window;
  return !p.deconvolution && !p.caffe_engine && w.kernel_h == 1 && w.kernel_w == 1 &&
         w.pad_h == 0 && w.pad_w == 0 && w.output_height() > 0 && w.output_width() > 0;
}

void PointwiseConv::SetWeights(const float* weights, bool for_input_gradient) {
  PackGroupWeights(shape(), weights, for_input_gradient, &packed_);
}

bool PointwiseConv::Strided() const {
  return shape().window.stride_h != 1 || shape().window.stride_w != 1;
}

const float* PointwiseConv::Input(const float* in, int count, size_t* stride) const {
  const ConvShape& s = shape();
  const math::Window2d& w = s.window;
  if (!Strided()) {
    *stride = s.in_dim();
    return in;
  }
  const int out_h = w.output_height(), out_w = w.output_width(), spatial = out_h * out_w;
  const int planes = count * w.channels;
  *stride = static_cast<size_t>(w.channels) * spatial;
  float* sampled =
      scratch::Get<float>(scratch::Key::kConvColumns, static_cast<size_t>(planes) * spatial);
  for (int p = 0; p < planes; ++p) {
    const float* plane = in + static_cast<size_t>(p) * w.height * w.width;
    float* dst = sampled + static_cast<size_t>(p) * spatial;
    for (int y = 0; y < out_h; ++y) {
      const float* row = plane + static_cast<size_t>(y) * w.stride_h * w.width;
      math::CopyStrided(row, out_w, w.stride_w, dst + y * out_w);
    }
  }
  return sampled;
}

void PointwiseConv::Forward(const float* in, float* out, int begin, int end,
                            const ConvEpilogue& epilogue) {
  const float* bias = epilogue.bias;
  const ConvShape& s = shape();
  const int m = s.group_out_channels(), k = s.group_depth(), spatial = s.out_spatial();
  size_t x_stride = 0;
  const float* x = Input(in + begin * s.in_dim(), end - begin, &x_stride);
  for (int g = 0; g < s.group; ++g) {
    math::GemmPackedImages(packed_[g], end - begin, spatial,
                           x + static_cast<size_t>(g) * k * spatial, x_stride, spatial,
                           bias ? bias + static_cast<size_t>(g) * m : nullptr,
                           out + begin * s.out_dim() + static_cast<size_t>(g) * m * spatial,
                           s.out_dim(), spatial, epilogue.relu_slope);
  }
}

void PointwiseConv::WeightGrad(const float* x, size_t x_stride, const float* dy, int count,
                               float* dw) const {
  const ConvShape& s = shape();
  const int m = s.group_out_channels(), k = s.group_depth(), n = count * s.out_spatial();
  // Several images are gathered into one matrix; one image's rows lie where they are.
  if (count > 1) {
    float* gathered_x = scratch::Get<float>(scratch::Key::kConvProducts,
                                            static_cast<size_t>(s.window.channels) * n);
    float* gathered_dy = scratch::Get<float>(scratch::Key::kPointwiseOutputGrads,
                                             static_cast<size_t>(s.out_channels) * n);
    GatherChunk(x, s.window.channels, s.out_spatial(), count, x_stride, gathered_x);
    GatherChunk(dy, s.out_channels, s.out_spatial(), count, s.out_dim(), gathered_dy);
    x = gathered_x;
    dy = gathered_dy;
  }
  // Rows lie n apart either way.
  for (int g = 0; g < s.group; ++g) {
    math::GemmAccumulateNT(m, k, n, dy + static_cast<size_t>(g) * m * n, n,
                           x + static_cast<size_t>(g) * k * n, n,
                           dw + static_cast<size_t>(g) * m * k, k);
  }
}

void PointwiseConv::Backward(const float* in, const float* out_diff, int begin, int end,
                             float* in_diff, float* weights_diff) {
  const ConvShape& s = shape();
  // A few images at a time, so that their output gradient is still in cache
  // for the input gradient after the weight gradient has read it.
  const int step = std::max(1, std::min(end - begin, kGatherColumns / s.out_spatial()));
  for (int b = begin; b < end; b += step) {
    const int count = std::min(step, end - b);
    const float* dy = out_diff + b * s.out_dim();
    if (weights_diff != nullptr) {
      size_t x_stride = 0;
      const float* x = Input(in + b * s.in_dim(), count, &x_stride);
      WeightGrad(x, x_stride, dy, count, weights_diff);
    }
    if (in_diff != nullptr) InputGrad(dy, count, in_diff + b * s.in_dim());
  }
}

void PointwiseConv::InputGrad(const float* dy, int count, float* dx) const {
  const ConvShape& s = shape();
  const int m = s.group_out_channels(), k = s.group_depth(), spatial = s.out_spatial();
  // Stride 1: straight into the input's gradient; else into the sampled
  // pixels' places, in scratch, then spread out between zeros.
  const size_t sampled_stride = static_cast<size_t>(s.window.channels) * spatial;
  float* product =
      Strided() ? scratch::Get<float>(scratch::Key::kConvColumns, count * sampled_stride) : dx;
  const size_t product_stride = Strided() ? sampled_stride : s.in_dim();
  for (int g = 0; g < s.group; ++g) {
    math::GemmPackedImages(packed_[g], count, spatial, dy + static_cast<size_t>(g) * m * spatial,
                           s.out_dim(), spatial, nullptr,
                           product + static_cast<size_t>(g) * k * spatial, product_stride, spatial);
  }
  if (!Strided()) return;
  const math::Window2d& w = s.window;
  const int out_h = w.output_height(), out_w = w.output_width();
  std::fill_n(dx, count * s.in_dim(), 0.f);
  for (int p = 0; p < count * w.channels; ++p) {
    const float* src = product + static_cast<size_t>(p) * spatial;
    float* plane = dx + static_cast<size_t>(p) * w.height * w.width;
    for (int y = 0; y < out_h; ++y) {
      float* row = plane + static_cast<size_t>(y) * w.stride_h * w.width;
      for (int x = 0; x < out_w; ++x) row[x * w.stride_w] = src[y * out_w + x];
    }
  }
}

}  // namespace strata
