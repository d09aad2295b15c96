#include "strata/conv/batched_gemm_conv.hpp"

#include <algorithm>

#include "strata/math.hpp"
#include "strata/scratch.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

int BatchedGemmConv::ChunkImages() const {
  const size_t per_image = static_cast<size_t>(shape().group_depth()) * shape().group *
                           std::max(1, shape().out_spatial());
  return static_cast<int>(std::max<size_t>(1, max_column_floats_ / std::max<size_t>(1, per_image)));
}

float* BatchedGemmConv::Im2col(const float* in, int count) const {
  const ConvShape& s = shape();
  const int spatial = s.out_spatial(), n = spatial * count;
  float* columns = scratch::Get<float>(scratch::Key::kConvColumns,
                                       static_cast<size_t>(s.group_depth()) * s.group * n);
  ParallelFor(count, 1, [&](int, int first, int last) {
    for (int b = first; b < last; ++b) {
      math::Im2col(in + b * s.in_dim(), s.window, columns + static_cast<size_t>(b) * spatial, n);
    }
  });
  return columns;
}

float* BatchedGemmConv::Gather(const float* images, int count) const {
  const ConvShape& s = shape();
  const int spatial = s.out_spatial();
  const size_t n = static_cast<size_t>(count) * spatial;
  float* matrix = scratch::Get<float>(scratch::Key::kConvProducts, s.out_channels * n);
  ParallelFor(count, 1, [&](int, int first, int last) {
    for (int b = first; b < last; ++b) {
      for (int c = 0; c < s.out_channels; ++c) {
        std::copy_n(images + b * s.out_dim() + static_cast<size_t>(c) * spatial, spatial,
                    matrix + c * n + static_cast<size_t>(b) * spatial);
      }
    }
  });
  return matrix;
}

void BatchedGemmConv::Scatter(const float* matrix, int count, const float* bias,
                              float* images) const {
  const ConvShape& s = shape();
  const int spatial = s.out_spatial();
  const size_t n = static_cast<size_t>(count) * spatial;
  ParallelFor(count, 1, [&](int, int first, int last) {
    for (int b = first; b < last; ++b) {
      float* image = images + b * s.out_dim();
      for (int c = 0; c < s.out_channels; ++c) {
        std::copy_n(matrix + c * n + static_cast<size_t>(b) * spatial, spatial,
                    image + static_cast<size_t>(c) * spatial);
      }
      if (bias) math::AddChannelBias(s.out_channels, spatial, bias, image);
    }
  });
}

void BatchedGemmConv::Forward(const float* in, float* out, int begin, int end,
                              const ConvEpilogue& epilogue) {
  const ConvShape& s = shape();
  const int m = s.group_out_channels(), k = s.group_depth();
  for (int first = begin; first < end; first += ChunkImages()) {
    const int count = std::min(ChunkImages(), end - first);
    const size_t n = static_cast<size_t>(count) * s.out_spatial();
    const float* columns = Im2col(in + first * s.in_dim(), count);
    float* product =
        scratch::Get<float>(scratch::Key::kConvProducts, static_cast<size_t>(s.out_channels) * n);
    for (int g = 0; g < s.group; ++g) {
      math::GemmSplitLonger(false, false, m, static_cast<int>(n), k, 1.f,
                            weights_ + static_cast<size_t>(g) * m * k, columns + g * k * n, 0.f,
                            product + g * m * n);
    }
    Scatter(product, count, epilogue.bias, out + first * s.out_dim());
  }
}

void BatchedGemmConv::Backward(const float* in, const float* out_diff, int begin, int end,
                               float* in_diff, float* weights_diff) {
  const ConvShape& s = shape();
  const int m = s.group_out_channels(), k = s.group_depth(), spatial = s.out_spatial();
  for (int first = begin; first < end; first += ChunkImages()) {
    const int count = std::min(ChunkImages(), end - first);
    const int n = count * spatial;
    const float* dy = Gather(out_diff + first * s.out_dim(), count);
    if (weights_diff != nullptr) {
      const float* columns = Im2col(in + first * s.in_dim(), count);
      for (int g = 0; g < s.group; ++g) {
        math::GemmSplitLonger(false, true, m, k, n, 1.f, dy + static_cast<size_t>(g) * m * n,
                              columns + static_cast<size_t>(g) * k * n, 1.f,
                              weights_diff + static_cast<size_t>(g) * m * k);
      }
    }
    if (in_diff == nullptr) continue;
    // The weight gradient is done with the columns: they take W^T dY.
    float* columns =
        scratch::Get<float>(scratch::Key::kConvColumns, static_cast<size_t>(k) * s.group * n);
    for (int g = 0; g < s.group; ++g) {
      math::GemmSplitLonger(true, false, k, n, m, 1.f, weights_ + static_cast<size_t>(g) * m * k,
                            dy + static_cast<size_t>(g) * m * n, 0.f,
                            columns + static_cast<size_t>(g) * k * n);
    }
    float* dx = in_diff + first * s.in_dim();
    ParallelFor(count, 1, [&](int, int b0, int b1) {
      for (int b = b0; b < b1; ++b) {
        math::Col2im(columns + static_cast<size_t>(b) * spatial, s.window, dx + b * s.in_dim(), n);
      }
    });
  }
}

}  // namespace strata
