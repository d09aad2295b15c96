#include "strata/conv/batched_gemm_conv.hpp"

#include <algorithm>

#include "strata/conv/column_conv.hpp"
#include "strata/math.hpp"
#include "strata/scratch.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

int BatchedGemmConv::ChunkImages() const {
  const size_t per_image = static_cast<size_t>(shape().group_depth()) * shape().group *
                           std::max(1, shape().out_spatial());
  return static_cast<int>(std::max<size_t>(1, max_column_floats_ / std::max<size_t>(1, per_image)));
}

void BatchedGemmConv::Forward(const float* in, float* out, int begin, int end,
                              const ConvEpilogue& epilogue) {
  const ConvShape& s = shape();
  const int m = s.group_out_channels(), k = s.group_depth(), chunk = ChunkImages();
  for (int first = begin; first < end; first += chunk) {
    const int count = std::min(chunk, end - first);
    const size_t n = static_cast<size_t>(count) * s.out_spatial();
    const float* columns = UnfoldChunk(s, in + first * s.in_dim(), count);
    float* product =
        scratch::Get<float>(scratch::Key::kConvProducts, static_cast<size_t>(s.out_channels) * n);
    for (int g = 0; g < s.group; ++g) {
      math::GemmSplitLonger(false, false, m, static_cast<int>(n), k, 1.f,
                            weights_ + static_cast<size_t>(g) * m * k, columns + g * k * n, 0.f,
                            product + g * m * n);
    }
    float* y = out + first * s.out_dim();
    ScatterChunk(product, s.out_channels, s.out_spatial(), count, s.out_dim(), y);
    if (epilogue.bias == nullptr) continue;
    ParallelFor(count, 1, [&](int, int b0, int b1) {
      for (int b = b0; b < b1; ++b) {
        math::AddChannelBias(s.out_channels, s.out_spatial(), epilogue.bias, y + b * s.out_dim());
      }
    });
  }
}

void BatchedGemmConv::Backward(const float* in, const float* out_diff, int begin, int end,
                               float* in_diff, float* weights_diff) {
  const ConvShape& s = shape();
  const int m = s.group_out_channels(), k = s.group_depth(), spatial = s.out_spatial();
  const int chunk = ChunkImages();
  for (int first = begin; first < end; first += chunk) {
    const int count = std::min(chunk, end - first);
    const int n = count * spatial;
    float* dy =
        scratch::Get<float>(scratch::Key::kConvProducts, static_cast<size_t>(s.out_channels) * n);
    GatherChunk(out_diff + first * s.out_dim(), s.out_channels, spatial, count, s.out_dim(), dy);
    if (weights_diff != nullptr) {
      const float* columns = UnfoldChunk(s, in + first * s.in_dim(), count);
      for (int g = 0; g < s.group; ++g) {
        math::GemmSplitLonger(false, true, m, k, n, 1.f, dy + static_cast<size_t>(g) * m * n,
                              columns + static_cast<size_t>(g) * k * n, 1.f,
                              weights_diff + static_cast<size_t>(g) * m * k);
      }
    }
    if (in_diff == nullptr) continue;
    // The weight gradient is done with the columns: they take W^T dY.
    float* columns = ChunkColumns(s, count);
    for (int g = 0; g < s.group; ++g) {
      math::GemmSplitLonger(true, false, k, n, m, 1.f, weights_ + static_cast<size_t>(g) * m * k,
                            dy + static_cast<size_t>(g) * m * n, 0.f,
                            columns + static_cast<size_t>(g) * k * n);
    }
    FoldChunk(s, columns, count, in_diff + first * s.in_dim());
  }
}

}  // namespace strata
