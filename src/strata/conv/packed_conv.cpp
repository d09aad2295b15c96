#include "strata/conv/packed_conv.hpp"

#include <algorithm>

#include "strata/thread_pool.hpp"

namespace strata {

std::string PackedConv::Description() const {
  std::string name = ConvAlgorithmName(algorithm());
  if (ReadsWindow()) name += " (window read in place)";
  return name;
}

bool PackedConv::ReadsWindow() const {
  return !packed_.empty() && math::ReadsWindow(packed_[0], shape().group_window());
}

void PackGroupWeights(const ConvShape& shape, const float* weights, bool for_input_gradient,
                      std::vector<math::PackedMatrix>* packed) {
  const int m = shape.group_out_channels(), k = shape.group_depth();
  packed->resize(shape.group);
  for (int g = 0; g < shape.group; ++g) {
    // W is m x k; the input gradient multiplies by W^T (k rows, depth m).
    (*packed)[g].Pack(for_input_gradient, for_input_gradient ? k : m, for_input_gradient ? m : k,
                      weights + static_cast<size_t>(g) * m * k);
  }
}

void PackedConv::SetWeights(const float* weights, bool for_input_gradient) {
  PackGroupWeights(shape(), weights, for_input_gradient, &packed_);
}

namespace {

// A 1x1 window, stride 1, no padding: the image is its own unfolded matrix.
bool Pointwise(const math::Window2d& w) {
  return w.kernel_h == 1 && w.kernel_w == 1 && w.stride_h == 1 && w.stride_w == 1 && w.pad_h == 0 &&
         w.pad_w == 0;
}

}  // namespace

void PackedConv::ForwardChunk(const float* in, float* out, int count,
                              const ConvEpilogue& epilogue) {
  const float *bias = epilogue.bias, slope = epilogue.relu_slope;
  const ConvShape& s = shape();
  const int m = s.group_out_channels(), k = s.group_depth();
  const int spatial = s.out_spatial(), n = spatial * count;
  const size_t in_dim = s.in_dim(), out_dim = s.out_dim(), group_in = s.group_in_dim();
  const auto group_bias = [&](int g) { return bias ? bias + static_cast<size_t>(g) * m : nullptr; };
  const auto group_out = [&](int b, int g) {
    return out + b * out_dim + static_cast<size_t>(g) * m * spatial;
  };
  const math::Window2d window = s.group_window();
  if (Pointwise(window)) {
    for (int g = 0; g < s.group; ++g) {
      math::GemmPackedImages(packed_[g], count, spatial, in + g * group_in, in_dim, spatial,
                             group_bias(g), group_out(0, g), out_dim, spatial, slope);
    }
    return;
  }
  if (ReadsWindow()) {
    // No unfolded copy: the kernels read the image itself.
    for (int b = 0; b < count; ++b) {
      for (int g = 0; g < s.group; ++g) {
        math::GemmPackedWindow(packed_[g], in + b * in_dim + g * group_in, window, group_bias(g),
                               group_out(b, g), spatial, slope);
      }
    }
    return;
  }
  const float* columns = Im2col(in, count);
  for (int g = 0; g < s.group; ++g) {
    math::GemmPackedImages(packed_[g], count, spatial, columns + static_cast<size_t>(g) * k * n,
                           spatial, n, group_bias(g), group_out(0, g), out_dim, spatial, slope);
  }
}

void PackedConv::InputGradChunk(const float* out_diff, float* in_diff, int count) {
  const ConvShape& s = shape();
  const int m = s.group_out_channels(), k = s.group_depth();
  const int spatial = s.out_spatial(), n = spatial * count;
  const size_t out_dim = s.out_dim();
  float* columns = Columns(count);
  // Each image's output gradient is read where it lies.
  for (int g = 0; g < s.group; ++g) {
    math::GemmPackedImages(packed_[g], count, spatial,
                           out_diff + static_cast<size_t>(g) * m * spatial, out_dim, spatial,
                           nullptr, columns + static_cast<size_t>(g) * k * n, spatial, n);
  }
  Col2im(columns, count, in_diff);
}

bool PackedConv::WeightGradInPlace() const {
  return math::WeightGradReadsWindow(shape().group_window());
}

void PackedConv::WeightGradWindow(const float* in, const float* out_diff, int count,
                                  float* weights_diff) {
  const ConvShape& s = shape();
  const int m = s.group_out_channels(), k = s.group_depth();
  const size_t group_in = s.group_in_dim();
  for (int g = 0; g < s.group; ++g) {
    math::WeightGradWindow(m, out_diff + static_cast<size_t>(g) * m * s.out_spatial(), s.out_dim(),
                           in + g * group_in, s.in_dim(), count, s.group_window(),
                           weights_diff + static_cast<size_t>(g) * m * k);
  }
}

}  // namespace strata
