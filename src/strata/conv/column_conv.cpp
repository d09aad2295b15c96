#include "strata/conv/column_conv.hpp"

#include <algorithm>

#include "strata/gemm_nt.hpp"
#include "strata/math.hpp"
#include "strata/packed_gemm.hpp"
#include "strata/scratch.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

void ColumnConv::Reshape(const ConvShape& shape) {
  ConvStrategy::Reshape(shape);
  // Images per chunk: as many as keep the column matrix within 512 KB, so that
  // it and OpenBLAS's packed copy of it stay in a core's L2 during the weight
  // gradient, one GEMM over the whole chunk. Only small output maps gain from
  // that: from a few hundred output pixels on, an image is a wide enough
  // product by itself. The sizes tried: docs/performance-log.md.
  constexpr long long kColumnFloats = 128 << 10;
  constexpr int kWideEnough = 256;
  const long long per_image = static_cast<long long>(shape.window.channels) *
                              shape.window.kernel_h * shape.window.kernel_w * shape.out_spatial();
  chunk_ = static_cast<int>(
      std::max(1LL, std::min<long long>(shape.images, kColumnFloats / std::max(per_image, 1LL))));
  if (shape.out_spatial() >= kWideEnough) chunk_ = 1;
}

void ColumnConv::Forward(const float* in, float* out, int begin, int end,
                         const ConvEpilogue& epilogue) {
  const size_t in_dim = shape().in_dim(), out_dim = shape().out_dim();
  for (int n = begin; n < end; n += chunk_) {
    ForwardChunk(in + n * in_dim, out + n * out_dim, std::min(chunk_, end - n), epilogue);
  }
}

void ColumnConv::Backward(const float* in, const float* out_diff, int begin, int end,
                          float* in_diff, float* weights_diff) {
  const size_t in_dim = shape().in_dim(), out_dim = shape().out_dim();
  const WeightGradPlan plan = PlanWeightGrad(weights_diff != nullptr, end - begin);
  // Where the weight gradient takes the input gradient's chunks, both run
  // chunk by chunk, while the chunk's output gradient is in cache.
  const bool with_input_grad = plan.images == chunk_ && !plan.in_place;
  for (int n = begin; n < end && plan.images > 0 && !with_input_grad; n += plan.images) {
    WeightGradStep(plan, in + n * in_dim, out_diff + n * out_dim, std::min(plan.images, end - n),
                   weights_diff);
  }
  for (int n = begin; n < end; n += chunk_) {
    const int count = std::min(chunk_, end - n);
    if (with_input_grad) {
      WeightGradStep(plan, in + n * in_dim, out_diff + n * out_dim, count, weights_diff);
    }
    if (in_diff != nullptr) InputGradChunk(out_diff + n * out_dim, in_diff + n * in_dim, count);
  }
}

ColumnConv::WeightGradPlan ColumnConv::PlanWeightGrad(bool wanted, int images) const {
  if (!wanted) return WeightGradPlan{0, false};
  // Decided per pass, as the forward's window read is, so that a change of
  // kernel set (math::SetGemmIsa) takes effect at once. Read in place, all
  // the images go in one call.
  if (WeightGradInPlace()) return WeightGradPlan{images, true};
  return WeightGradPlan{WeightGradChunkImages(), false};
}

void ColumnConv::WeightGradStep(const WeightGradPlan& plan, const float* in, const float* out_diff,
                                int count, float* weights_diff) {
  if (plan.in_place) {
    WeightGradWindow(in, out_diff, count, weights_diff);
  } else {
    WeightGradChunk(in, out_diff, count, weights_diff);
  }
}

bool ColumnConv::OwnWeightGrad() const {
  return algorithm() == ConvAlgorithm::kPacked && OpenBlasKernelsBehind();
}

int ColumnConv::WeightGradChunkImages() const {
  // Where the product runs on the stripes (short sums), each call reads and
  // writes all of dw: images are gathered up to the longest sum they take.
  const int spatial = shape().out_spatial();
  const int images =
      std::max(chunk_, std::min(shape().images, math::kNtStripesMaxDepth / std::max(spatial, 1)));
  if (images == chunk_ || !OwnWeightGrad()) return chunk_;
  return math::NtTakesStripes(shape().group_out_channels(), shape().group_depth(), images * spatial)
             ? images
             : chunk_;
}

float* ColumnConv::Columns(int count) const { return ChunkColumns(shape(), count); }

float* ColumnConv::Im2col(const float* in, int count) const {
  return UnfoldChunk(shape(), in, count);
}

void ColumnConv::Col2im(const float* columns, int count, float* in_diff) const {
  FoldChunk(shape(), columns, count, in_diff);
}

void ColumnConv::WeightGradChunk(const float* in, const float* out_diff, int count,
                                 float* weights_diff) {
  const int m = shape().group_out_channels(), k = shape().group_depth();
  const int spatial = shape().out_spatial(), n = spatial * count;
  const float* columns = Im2col(in, count);
  const float* product = out_diff;
  if (count > 1) {
    float* gathered = scratch::Get<float>(scratch::Key::kConvProducts,
                                          static_cast<size_t>(m) * shape().group * n);
    GatherChunk(out_diff, shape().out_channels, spatial, count, shape().out_dim(), gathered);
    product = gathered;
  }
  // The packed algorithm keeps off OpenBLAS where its kernels are behind
  // Strata's (conv_algorithm.hpp) for this product too.
  const bool own = OwnWeightGrad();
  for (int g = 0; g < shape().group; ++g) {
    const float* dy = product + static_cast<size_t>(g) * m * n;
    const float* x = columns + static_cast<size_t>(g) * k * n;
    float* dw = weights_diff + static_cast<size_t>(g) * m * k;
    if (own) {
      math::GemmAccumulateNT(m, k, n, dy, n, x, n, dw, k);
    } else {
      math::Gemm(false, true, m, k, n, 1.f, dy, x, 1.f, dw);
    }
  }
}

float* ChunkColumns(const ConvShape& shape, int count) {
  return scratch::Get<float>(
      scratch::Key::kConvColumns,
      static_cast<size_t>(shape.group_depth()) * shape.group * count * shape.out_spatial());
}

float* UnfoldChunk(const ConvShape& shape, const float* in, int count) {
  const int spatial = shape.out_spatial(), n = spatial * count;
  float* columns = ChunkColumns(shape, count);
  ParallelFor(count, 1, [&](int, int first, int last) {
    for (int b = first; b < last; ++b) {
      math::Im2col(in + b * shape.in_dim(), shape.window,
                   columns + static_cast<size_t>(b) * spatial, n);
    }
  });
  return columns;
}

void FoldChunk(const ConvShape& shape, const float* columns, int count, float* in_diff) {
  const int spatial = shape.out_spatial(), n = spatial * count;
  ParallelFor(count, 1, [&](int, int first, int last) {
    for (int b = first; b < last; ++b) {
      math::Col2im(columns + static_cast<size_t>(b) * spatial, shape.window,
                   in_diff + b * shape.in_dim(), n);
    }
  });
}

void ScatterChunk(const float* matrix, int channels, int spatial, int count, size_t image_dim,
                  float* images) {
  const size_t n = static_cast<size_t>(count) * spatial;
  ParallelFor(count, 1, [&](int, int first, int last) {
    for (int b = first; b < last; ++b) {
      for (int c = 0; c < channels; ++c) {
        std::copy_n(matrix + c * n + static_cast<size_t>(b) * spatial, spatial,
                    images + b * image_dim + static_cast<size_t>(c) * spatial);
      }
    }
  });
}

void GatherChunk(const float* images, int channels, int spatial, int count, size_t image_dim,
                 float* matrix) {
  const size_t n = static_cast<size_t>(count) * spatial;
  ParallelFor(count, 1, [&](int, int first, int last) {
    for (int b = first; b < last; ++b) {
      for (int c = 0; c < channels; ++c) {
        std::copy_n(images + b * image_dim + static_cast<size_t>(c) * spatial, spatial,
                    matrix + c * n + static_cast<size_t>(b) * spatial);
      }
    }
  });
}

}  // namespace strata
