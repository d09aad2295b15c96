#include "strata/conv/packed_conv.hpp"

#include <algorithm>

#include "strata/math.hpp"
#include "strata/scratch.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

namespace {

// A 1x1 window, stride 1, no padding: the image is its own unfolded matrix.
bool Pointwise(const math::Window2d& w) {
  return w.kernel_h == 1 && w.kernel_w == 1 && w.stride_h == 1 && w.stride_w == 1 && w.pad_h == 0 &&
         w.pad_w == 0;
}

}  // namespace

std::string PackedConv::Description() const {
  std::string name = ConvAlgorithmName(algorithm());
  if (ReadsWindow()) name += " (window read in place)";
  if (UnfoldsInRowBlocks()) name += " (unfolded in blocks of output rows)";
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
  if (count == 1 && UnfoldsInRowBlocks()) return ForwardRowBlocks(in, out, epilogue);
  const float* columns = Im2col(in, count);
  for (int g = 0; g < s.group; ++g) {
    math::GemmPackedImages(packed_[g], count, spatial, columns + static_cast<size_t>(g) * k * n,
                           spatial, n, group_bias(g), group_out(0, g), out_dim, spatial, slope);
  }
}

bool PackedConv::UnfoldsInRowBlocks() const {
  return chunk() == 1 && !Pointwise(shape().group_window()) && !ReadsWindow() &&
         RowBlocks() >= 2 * NumThreads();
}

int PackedConv::RowsPerBlock() const {
  // A block's columns fill up to 64 KB, and are at least 256 (a product of a
  // few columns runs mostly edge tiles).
  constexpr int kBlockFloats = 16 << 10, kMinColumns = 256;
  const int depth = shape().group_depth(), out_w = shape().group_window().output_width();
  return std::max({1, kBlockFloats / std::max(1, depth * out_w),
                   (kMinColumns + out_w - 1) / std::max(1, out_w)});
}

int PackedConv::RowBlocks() const {
  const int rows = RowsPerBlock();
  return (shape().group_window().output_height() + rows - 1) / rows;
}

void PackedConv::ForwardRowBlocks(const float* in, float* out, const ConvEpilogue& epilogue) {
  const ConvShape& s = shape();
  const math::Window2d window = s.group_window();
  const int m = s.group_out_channels(), k = s.group_depth();
  const int out_h = window.output_height(), out_w = window.output_width(),
            spatial = s.out_spatial();
  const int rows = RowsPerBlock(), blocks = RowBlocks();
  ParallelFor(blocks, 1, [&](int, int first, int last) {
    for (int block = first; block < last; ++block) {
      const int y0 = block * rows, y1 = std::min(out_h, y0 + rows), n = (y1 - y0) * out_w;
      float* columns = scratch::Get<float>(scratch::Key::kConvColumns, static_cast<size_t>(k) * n);
      for (int g = 0; g < s.group; ++g) {
        math::Im2colRows(in + g * s.group_in_dim(), window, y0, y1, columns, n);
        math::GemmPacked(packed_[g], n, columns, n,
                         epilogue.bias ? epilogue.bias + static_cast<size_t>(g) * m : nullptr,
                         false, out + static_cast<size_t>(g) * m * spatial + y0 * out_w, spatial,
                         epilogue.relu_slope);
      }
    }
  });
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
