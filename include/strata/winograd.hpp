// Winograd's minimal filtering on 8x8 input tiles for convolutions with
// stride 1: F(4x4, 5x5) and F(6x6, 3x3). An M x M block of outputs (M = 4
// for 5x5 kernels, 6 for 3x3) is computed from the 8x8 block of inputs under
// it as
//   Y = A^T [ sum over input channels c of (G g_c G^T) .* (B^T d_c B) ] A,
// 64 multiplications per (input, output) channel pair where the direct sum
// takes 400 (5x5) or 324 (3x3). The 64 products of one position of the 8x8
// transform are one
// matrix product over all channels and tiles, so the work is
//   input transform -> 64 products (GemmPacked) -> output transform.
// The gradients use the same transforms (dU = dM .* V, dV = U^T dM with
// dM = A dY A^T); the weight gradient is summed in the transformed space and
// brought back once per pass.
//
// The transforms come from the points 0, +-1, +-2, +-1/2 and infinity,
// computed in double (Toom-Cook: Vandermonde evaluation and its inverse);
// both sizes share them and the input transform B. Float32 results differ
// from the direct sum by a few 1e-6 relative to the sum of the terms'
// magnitudes (tests/winograd_test.cpp; the bound: docs/performance.md);
// ConvolutionParameter.engine CAFFE keeps a layer on im2col + GEMM.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <vector>

#include "strata/kernels/winograd_kernels.hpp"
#include "strata/math.hpp"
#include "strata/packed_gemm.hpp"

namespace strata::math {

class Winograd {
 public:
  static constexpr int kTile = 8;  // m + r - 1: inputs per tile side
  static constexpr int kPoints = kTile * kTile;

  // Whether the algorithm computes `w`'s convolution: a 3x3 or 5x5 kernel,
  // stride 1, no dilation (any padding and size).
  static bool Applies(const Window2d& w);
  // Outputs per tile side for a kernel of side `kernel`: 9 - kernel.
  static int OutTile(int kernel) { return kTile - kernel + 1; }
  // Whether it should beat the direct product for `w` (Applies) with these
  // channel counts: its multiplications plus the transforms' work, counted
  // over the tiles that cover the output (edge tiles cost whole), against
  // 0.6 of the direct product's (the transforms run slower per operation
  // than a GEMM does).
  static bool Pays(const Window2d& w, int out_channels);

  // `w` is one group's window (w.channels its input channels); the group has
  // `out_channels` outputs. Tiles pass through the buffers `chunk_tiles` at a
  // time (rounded down to a multiple of 16, at least 16; 0: as many as fit the
  // cache budgets in winograd.cpp). Throws InternalError where !Applies(w).
  void Reshape(const Window2d& w, int out_channels, int chunk_tiles = 0);
  // Transforms the group's weights (out_channels x channels x k x k) and packs
  // them for Forward, or, with `for_input_gradient`, transposed for Backward.
  // Weights equal to the last call's are not transformed again, nor packed
  // again for a use they were already packed for (with the same kernel set).
  void SetWeights(const float* weights, bool for_input_gradient);

  // The fewest images whose tiles fill whole chunk steps (16 tiles, the
  // kernels' column block or half block): 4 for 8x8 outputs of a 5x5 kernel (4 tiles each),
  // 1 where an image has a multiple of 16 tiles. Callers that hand out images
  // in multiples of it keep every product free of padded columns.
  int ImagesPerChunkStep() const;
  // Tiles covering one image's output.
  int TilesPerImage() const { return tiles_h_ * tiles_w_; }

  // `count` images: image b's input (channels x H x W) starts at
  // in + b * in_stride, its output (out_channels x out_h x out_w) at
  // out + b * out_stride. bias (per output channel) may be null.
  void Forward(const float* in, size_t in_stride, int count, const float* bias, float* out,
               size_t out_stride) const;
  // dw (out_channels x channels x k x k), if not null, += the weight gradient
  // of these images; dx, if not null, = their input gradient (same layout as
  // the input; SetWeights(.., true) first). dy is laid out as the output.
  void Backward(const float* in, size_t in_stride, const float* dy, size_t dy_stride, int count,
                float* dx, float* dw) const;

 private:
  Window2d w_{};
  int out_channels_ = 0, tiles_h_ = 0, tiles_w_ = 0;  // M x M output tiles per column, row
  int forward_chunk_ = 16, backward_chunk_ = 16;      // tiles per pass through the buffers
  void TransformWeights();                            // u_ from source_
  // The weight gradient of one chunk holding all the tiles, kWeightGradRows
  // output channels at a time: their sums dU = dM V^T (dm, v: the chunk's
  // transformed output gradients and inputs, n tiles long, points o_stride
  // and c_stride apart) into du, then dw += G^T dU G for those rows. Each
  // pass's dU stays in cache, where all of it (kPoints x out x in, 16 MB at
  // 256 channels) would go to memory and back.
  static constexpr int kWeightGradRows = 16;
  void WeightGradRows(const kernels::WinogradGeometry& g, int n, const float* dm, size_t o_stride,
                      const float* v, size_t c_stride, float* du, float* dw) const;

  std::vector<float> source_;                    // the weights u_ was computed from
  std::vector<float> u_;                         // kPoints x out_channels x channels
  std::vector<PackedMatrix> packed_, packed_t_;  // per point: U, U^T
  // The kernel set packed_ / packed_t_ hold u_ for, if they hold it.
  std::array<std::optional<Isa>, 2> packed_isa_{};
};

}  // namespace strata::math
