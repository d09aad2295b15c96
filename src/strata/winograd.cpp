#include "strata/winograd.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "kernels/winograd_transforms.hpp"
#include "strata/errors.hpp"
#include "strata/gemm_nt.hpp"
#include "strata/kernels/winograd_kernels.hpp"
#include "strata/scratch.hpp"
#include "strata/thread_pool.hpp"

namespace strata::math {

namespace {

using namespace kernels;  // NOLINT: the transforms' constants and the buffers' padding
using Geometry = WinogradGeometry;
using Chunk = WinogradChunk;

// Tiles pass through the buffers in chunks, a multiple of 16 (AVX2's column
// block and AVX-512's half block, so no product ends in a narrow edge block). The
// forward's buffers (transformed inputs and products) are kept within
// 320 KB, inside a 512 KB L2; the backward's (transformed inputs, output
// gradient and input gradient) within 1.6 MB, as longer runs of tiles make
// the weight gradient's sums cheaper (the sizes tried: docs/performance-log.md).
constexpr size_t kForwardChunkFloats = 80 << 10;
constexpr size_t kBackwardChunkFloats = 400 << 10;
constexpr int kChunkStep = 16;
constexpr double kMaxTransformedBytes = 16 << 20;

}  // namespace

bool Winograd::Applies(const Window2d& w) {
  return (w.kernel_h == 3 || w.kernel_h == 5) && w.kernel_w == w.kernel_h && w.stride_h == 1 &&
         w.stride_w == 1 && w.dilation_h == 1 && w.dilation_w == 1 && w.output_height() > 0 &&
         w.output_width() > 0;
}

bool Winograd::Pays(const Window2d& w, int out_channels) {
  // The transformed weights (64 per channel pair, 7x a 3x3 kernel's) are
  // streamed once per chunk of tiles: beyond the L3 they cost more than the
  // products save (ResNet-18's 512-channel layers ran 4x slower).
  const double transformed_bytes = 64.0 * sizeof(float) * w.channels * out_channels;
  if (transformed_bytes > kMaxTransformedBytes) return false;
  // Per M x M tile: 64 products per channel pair; the input transform per
  // input channel, B^T d B as two passes of 8 rows through the folded B^T
  // (26 non-zeros): 416 multiply-adds; the output transform per output
  // channel, A^T M A through the folded A^T (3 pairs per row and two
  // single entries: 14 non-zeros for M = 4, 20 for M = 6), (8 + M) times.
  // Direct: the output positions times k x k weights per channel pair.
  const int k = w.kernel_h, m = OutTile(k);
  const double c = w.channels, o = out_channels;
  const double tiles =
      static_cast<double>((w.output_height() + m - 1) / m) * ((w.output_width() + m - 1) / m);
  const double output_transform = (8.0 + m) * (3 * m + 2);
  const double winograd = tiles * (64 * c * o + 416 * c + output_transform * o);
  const double direct = static_cast<double>(w.output_height()) * w.output_width() * k * k * c * o;
  // 0.6: ResNet-20's 64-channel layers on 8x8 maps (0.52 by this count, four
  // tiles for 64 outputs) ran 20 % faster on Winograd than packed; LeNet's
  // conv1 (0.63) stays off it.
  return winograd < 0.6 * direct;
}

void Winograd::Reshape(const Window2d& w, int out_channels, int chunk_tiles) {
  if (!Applies(w)) {
    throw InternalError("Winograd: the window is not a 3x3 or 5x5 stride-1 window");
  }
  // The transformed weights depend on the channel counts only (a new batch
  // size or image size keeps them).
  if (w.channels != w_.channels || w.kernel_h != w_.kernel_h || out_channels != out_channels_) {
    source_.clear();
  }
  w_ = w;
  out_channels_ = out_channels;
  const int m = OutTile(w.kernel_h);
  tiles_h_ = (w.output_height() + m - 1) / m;
  tiles_w_ = (w.output_width() + m - 1) / m;
  const auto tiles_for = [&](size_t budget, int per_tile_channels) {
    if (chunk_tiles > 0) {
      return std::max(kWinogradPadLanes, chunk_tiles / kWinogradPadLanes * kWinogradPadLanes);
    }
    const size_t tiles = budget / (static_cast<size_t>(kP) * per_tile_channels);
    return static_cast<int>(std::max<size_t>(kChunkStep, tiles / kChunkStep * kChunkStep));
  };
  forward_chunk_ = tiles_for(kForwardChunkFloats, w.channels + out_channels);
  // Each chunk reads and writes all of the weight gradient's sums (kP x
  // out_channels x channels): where they outgrow the buffers' budget (128
  // channels and more), passes over them cost more than buffers past the
  // L2, so the buffers may grow to their size.
  const size_t weight_grad_floats = static_cast<size_t>(kP) * out_channels * w.channels;
  backward_chunk_ =
      tiles_for(std::max(kBackwardChunkFloats, weight_grad_floats), 2 * w.channels + out_channels);
}

int Winograd::ImagesPerChunkStep() const {
  const int tiles = std::max(1, tiles_h_ * tiles_w_);
  return kChunkStep / std::gcd(kChunkStep, tiles);
}

void Winograd::SetWeights(const float* weights, bool for_input_gradient) {
  const int c_count = w_.channels, o_count = out_channels_;
  const size_t weight_count = static_cast<size_t>(o_count) * c_count * w_.kernel_h * w_.kernel_w;
  // The forward and the backward of one batch see the same weights, and a
  // test net sees them for every batch: they are transformed once per change.
  if (source_.size() != weight_count ||
      std::memcmp(source_.data(), weights, weight_count * sizeof(float)) != 0) {
    source_.assign(weights, weights + weight_count);
    TransformWeights();
    packed_isa_ = {};
  }
  const Isa isa = GemmIsa();
  if (packed_isa_[for_input_gradient] == isa) return;
  std::vector<PackedMatrix>& packed = for_input_gradient ? packed_t_ : packed_;
  packed.resize(kP);
  ParallelFor(kP, 8, [&](int, int begin, int end) {
    for (int p = begin; p < end; ++p) {
      const float* u = u_.data() + static_cast<size_t>(p) * o_count * c_count;
      // U is out x in; the input gradient multiplies by U^T.
      if (for_input_gradient) {
        packed[p].Pack(true, c_count, o_count, u);
      } else {
        packed[p].Pack(false, o_count, c_count, u);
      }
    }
  });
  packed_isa_[for_input_gradient] = isa;
}

namespace {

Geometry MakeGeometry(const Window2d& w, int out_channels, int tiles_h, int tiles_w) {
  return Geometry{w.channels,   w.height,          w.width,          w.pad_h, w.pad_w,
                  out_channels, w.output_height(), w.output_width(), tiles_w, tiles_h * tiles_w};
}

Chunk ChunkAt(int first, int total, int chunk_tiles) {
  const int tiles = std::min(chunk_tiles, total - first);
  return Chunk{first, tiles,
               (tiles + kWinogradPadLanes - 1) / kWinogradPadLanes * kWinogradPadLanes};
}

}  // namespace

void Winograd::TransformWeights() {
  u_.resize(static_cast<size_t>(kP) * out_channels_ * w_.channels);
  const Geometry g = MakeGeometry(w_, out_channels_, tiles_h_, tiles_w_);
  const kernels::WinogradSteps& steps = kernels::WinogradStepsFor(GemmIsa(), w_.kernel_h);
  ParallelFor(out_channels_, 4, [&](int, int begin, int end) {
    steps.weights(g, source_.data(), begin, end, u_.data());
  });
}

void Winograd::Forward(const float* in, size_t in_stride, int count, const float* bias, float* out,
                       size_t out_stride) const {
  const Geometry g = MakeGeometry(w_, out_channels_, tiles_h_, tiles_w_);
  const kernels::WinogradSteps& steps = kernels::WinogradStepsFor(GemmIsa(), w_.kernel_h);
  const int total = count * g.tiles_per_image;
  float* v = scratch::Get<float>(scratch::Key::kWinogradInputs,
                                 WinogradBufferFloats(kP, g.channels, forward_chunk_));
  float* m = scratch::Get<float>(scratch::Key::kWinogradProducts,
                                 WinogradBufferFloats(kP, g.out_channels, forward_chunk_));
  for (int first = 0; first < total; first += forward_chunk_) {
    const Chunk chunk = ChunkAt(first, total, forward_chunk_);
    const int n = chunk.padded;
    const size_t v_stride = WinogradPointStride(g.channels, chunk);
    const size_t m_stride = WinogradPointStride(g.out_channels, chunk);
    steps.input(g, chunk, in, in_stride, v);
    for (int p = 0; p < kP; ++p) {
      GemmPacked(packed_[p], n, v + p * v_stride, n, nullptr, false, m + p * m_stride, n);
    }
    steps.output(g, chunk, m, bias, out, out_stride);
  }
}

void Winograd::Backward(const float* in, size_t in_stride, const float* dy, size_t dy_stride,
                        int count, float* dx, float* dw) const {
  if ((dx == nullptr && dw == nullptr) || count == 0) return;
  if (dx != nullptr && !packed_isa_[1]) {
    throw InternalError("Winograd::Backward: SetWeights(.., true) first");
  }
  const Geometry g = MakeGeometry(w_, out_channels_, tiles_h_, tiles_w_);
  const kernels::WinogradSteps& steps = kernels::WinogradStepsFor(GemmIsa(), w_.kernel_h);
  const int c_count = g.channels, o_count = g.out_channels;
  const int total = count * g.tiles_per_image;
  float* dm = scratch::Get<float>(scratch::Key::kWinogradProducts,
                                  WinogradBufferFloats(kP, o_count, backward_chunk_));
  float* v = dw ? scratch::Get<float>(scratch::Key::kWinogradInputs,
                                      WinogradBufferFloats(kP, c_count, backward_chunk_))
                : nullptr;
  float* dv = dx ? scratch::Get<float>(scratch::Key::kWinogradInputGrads,
                                       WinogradBufferFloats(kP, c_count, backward_chunk_))
                 : nullptr;
  // With all the tiles in one chunk, the weight gradient's sums are taken and
  // brought back kWeightGradRows output channels at a time (WeightGradRows);
  // else all of them are kept across the chunks.
  const bool one_chunk = total <= backward_chunk_;
  const int du_rows = one_chunk ? std::min(o_count, kWeightGradRows) : o_count;
  float* du = dw ? scratch::Get<float>(scratch::Key::kWinogradWeightGrads,
                                       static_cast<size_t>(kP) * du_rows * c_count)
                 : nullptr;
  // dx needs no zeroing: the input-gradient step writes each value before it
  // adds to it (winograd_tiles.hpp).
  for (int first = 0; first < total; first += backward_chunk_) {
    const Chunk chunk = ChunkAt(first, total, backward_chunk_);
    const int n = chunk.padded;
    const size_t c_stride = WinogradPointStride(c_count, chunk);
    const size_t o_stride = WinogradPointStride(o_count, chunk);
    steps.output_grad(g, chunk, dy, dy_stride, dm);
    if (dw && one_chunk) {
      steps.input(g, chunk, in, in_stride, v);
      WeightGradRows(g, n, dm, o_stride, v, c_stride, du, dw);
    } else if (dw) {
      // dU[p] += dM[p] V[p]^T, summed over the tiles (the padding lanes are 0).
      steps.input(g, chunk, in, in_stride, v);
      for (int p = 0; p < kP; ++p) {
        float* du_p = du + static_cast<size_t>(p) * o_count * c_count;
        // Zeroed just before its first sums, while it stays in cache for them.
        if (first == 0) std::fill_n(du_p, static_cast<size_t>(o_count) * c_count, 0.f);
        GemmAccumulateNT(o_count, c_count, n, dm + p * o_stride, n, v + p * c_stride, n, du_p,
                         c_count);
      }
    }
    if (dx == nullptr) continue;
    // dV[p] = U[p]^T dM[p].
    for (int p = 0; p < kP; ++p) {
      GemmPacked(packed_t_[p], n, dm + p * o_stride, n, nullptr, false, dv + p * c_stride, n);
    }
    steps.input_grad(g, chunk, dv, dx, in_stride);
  }
  if (dw != nullptr && !one_chunk) steps.weight_grad(g, du, dw);  // back to k x k
}

void Winograd::WeightGradRows(const Geometry& g, int n, const float* dm, size_t o_stride,
                              const float* v, size_t c_stride, float* du, float* dw) const {
  const kernels::WinogradSteps& steps = kernels::WinogradStepsFor(GemmIsa(), w_.kernel_h);
  const int c_count = g.channels, kernel_size = w_.kernel_h * w_.kernel_w;
  for (int o0 = 0; o0 < g.out_channels; o0 += kWeightGradRows) {
    Geometry rows = g;
    rows.out_channels = std::min(kWeightGradRows, g.out_channels - o0);
    const size_t point_floats = static_cast<size_t>(rows.out_channels) * c_count;
    // dU[p] = dM[p] V[p]^T for these rows: each entry's sum as one chunk's
    // GemmAccumulateNT over all the rows takes it.
    for (int p = 0; p < kP; ++p) {
      float* du_p = du + p * point_floats;
      std::fill_n(du_p, point_floats, 0.f);
      GemmAccumulateNT(rows.out_channels, c_count, n,
                       dm + p * o_stride + static_cast<size_t>(o0) * n, n, v + p * c_stride, n,
                       du_p, c_count);
    }
    steps.weight_grad(rows, du, dw + static_cast<size_t>(o0) * c_count * kernel_size);
  }
}

}  // namespace strata::math
