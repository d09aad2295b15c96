// Private to the kernel units. The depthwise plane loop of
// depthwise_kernels.hpp as one template over the vector width W (GCC's
// vector extension), in an unnamed namespace: each unit that includes it
// compiles its own copy for its own instruction set.
#pragma once

#include <algorithm>
#include <array>
#include <cstring>

#include "strata/kernels/depthwise_kernels.hpp"
#include "vector_math.hpp"

namespace strata::kernels {

namespace {

template <int W>
struct DepthwiseRows {
  using F = typename VectorMath<W>::F;

  // Outputs [ow, ow + G vectors) of R rows (those before out_w written): R x G
  // sums side by side, as one alone would wait on each add. weight(t) is tap
  // t's weight in every lane; `room` floats from y belong to the plane.
  template <int R, int G, class Weight>
  static inline void OutputBlock(int ow, int out_w, int room, size_t row_step, int tap_count,
                                 const float* row, const size_t* offsets, const Weight& weight,
                                 float bias, float slope, float* y) {
    F acc[R][G];
    for (auto& r : acc) {
      for (F& a : r) a = F{} + bias;
    }
    for (int t = 0; t < tap_count; ++t) {
      const F w = weight(t);
      for (int r = 0; r < R; ++r) {
        for (int g = 0; g < G; ++g) {
          F x;
          std::memcpy(&x, row + r * row_step + offsets[t] + ow + g * W, sizeof x);
          acc[r][g] += w * x;
        }
      }
    }
    for (int r = 0; r < R; ++r) {
      for (int g = 0; g < G; ++g) {
        if (slope != 1.f) acc[r][g] = VectorMath<W>::Relu(acc[r][g], F{} + slope);
        // A whole vector as one store where it stays inside the plane (past
        // out_w it writes the next rows' first outputs, which they
        // overwrite); a copy of a run-time length would go through memory
        // bytes at a time.
        const int at = ow + g * W, count = out_w - at;
        if (count <= 0) continue;
        float* yr = y + r * out_w;
        if (at + W <= room - r * out_w) {
          std::memcpy(yr + at, &acc[r][g], sizeof acc[r][g]);
        } else {
          std::memcpy(yr + at, &acc[r][g], sizeof(float) * count);
        }
      }
    }
  }

  // Sums in flight in a narrow plane's blocks: enough to hide the adds'
  // latency (a block's taps add one after another), as many as the
  // registers hold beside a 3x3 window's weights.
  static constexpr int kChains = W >= 16 ? 8 : 4;

  // A block of `rows` rows (1..R) of G vectors each.
  template <int R, int G, class Weight>
  static inline void RowBlock(int rows, int out_h, int out_w, size_t row_step, int tap_count,
                              const size_t* offsets, const float* plane, const Weight& weight,
                              float bias, float slope, float* y) {
    if constexpr (R > 1) {
      if (rows < R) {
        return RowBlock<R - 1, G>(rows, out_h, out_w, row_step, tap_count, offsets, plane, weight,
                                  bias, slope, y);
      }
    }
    OutputBlock<R, G>(0, out_w, out_h * out_w, row_step, tap_count, plane, offsets, weight, bias,
                      slope, y);
  }

  // A plane whose rows are G vectors or fewer, in blocks of rows as even as
  // the chains allow (a 14-row plane: two blocks of 7, not 4 + 4 + 4 + 2, as
  // a block's time is its chain of taps whatever its height).
  template <int G, class Weight>
  static inline void NarrowPlane(int out_h, int out_w, size_t row_step, int tap_count,
                                 const size_t* offsets, const float* plane, const Weight& weight,
                                 float bias, float slope, float* y) {
    constexpr int kMaxRows = kChains / G;
    const int blocks = (out_h + kMaxRows - 1) / kMaxRows;
    const int rows = (out_h + blocks - 1) / blocks;
    for (int oh = 0; oh < out_h; oh += rows) {
      RowBlock<kMaxRows, G>(std::min(rows, out_h - oh), out_h - oh, out_w, row_step, tap_count,
                            offsets, plane + oh * row_step, weight, bias, slope, y + oh * out_w);
    }
  }

  template <class Weight>
  static inline void Plane(int out_h, int out_w, size_t row_step, int tap_count,
                           const size_t* offsets, const float* plane, const Weight& weight,
                           float bias, float slope, float* y) {
    if (out_w <= W) {
      return NarrowPlane<1>(out_h, out_w, row_step, tap_count, offsets, plane, weight, bias, slope,
                            y);
    }
    if (out_w <= 2 * W) {
      return NarrowPlane<2>(out_h, out_w, row_step, tap_count, offsets, plane, weight, bias, slope,
                            y);
    }
    for (int oh = 0; oh < out_h; ++oh, y += out_w) {
      const float* row = plane + oh * row_step;
      const int room = (out_h - oh) * out_w;
      int ow = 0;
      for (; ow + 3 * W < out_w; ow += 4 * W) {
        OutputBlock<1, 4>(ow, out_w, room, row_step, tap_count, row, offsets, weight, bias, slope,
                          y);
      }
      for (; ow + W < out_w; ow += 2 * W) {
        OutputBlock<1, 2>(ow, out_w, room, row_step, tap_count, row, offsets, weight, bias, slope,
                          y);
      }
      if (ow < out_w) {
        OutputBlock<1, 1>(ow, out_w, room, row_step, tap_count, row, offsets, weight, bias, slope,
                          y);
      }
    }
  }

  static void OutputPlane(int out_h, int out_w, size_t row_step, int tap_count,
                          const size_t* offsets, const float* plane, const float* k, float bias,
                          float slope, float* y) {
    // A 3x3 window's weights stay in registers for the whole plane.
    constexpr int kTaps3x3 = 9;
    if (tap_count == kTaps3x3) {
      F weights[kTaps3x3];
      for (int t = 0; t < kTaps3x3; ++t) weights[t] = F{} + k[t];
      Plane(
          out_h, out_w, row_step, kTaps3x3, offsets, plane, [&](int t) { return weights[t]; }, bias,
          slope, y);
      return;
    }
    Plane(
        out_h, out_w, row_step, tap_count, offsets, plane, [&](int t) { return F{} + k[t]; }, bias,
        slope, y);
  }

  // The backward's loops run tap by tap over the whole plane: a tap's
  // weight or sum stays in registers, and dy's rows (whole vectors, zero
  // past out_w) are read from cache once per tap.
  static void InputGradPlane(int out_h, int dy_row, size_t row_step, int tap_count,
                             const size_t* offsets, const float* dy, const float* k,
                             float* dplane) {
    for (int t = 0; t < tap_count; ++t) {
      const F w = F{} + k[t];
      for (int oh = 0; oh < out_h; ++oh) {
        const float* g = dy + static_cast<size_t>(oh) * dy_row;
        float* d = dplane + oh * row_step + offsets[t];
        for (int ow = 0; ow < dy_row; ow += W) {
          F x, y;
          std::memcpy(&x, g + ow, sizeof x);
          std::memcpy(&y, d + ow, sizeof y);
          y += w * x;
          std::memcpy(d + ow, &y, sizeof y);
        }
      }
    }
  }

  static void WeightGradPlane(int out_h, int dy_row, size_t row_step, int tap_count,
                              const size_t* offsets, const float* plane, const float* dy,
                              float* dk) {
    for (int t = 0; t < tap_count; ++t) {
      // Two sums side by side, as one alone would wait on each add.
      F acc[2] = {F{}, F{}};
      int v = 0;
      for (int oh = 0; oh < out_h; ++oh) {
        const float* g = dy + static_cast<size_t>(oh) * dy_row;
        const float* x = plane + oh * row_step + offsets[t];
        for (int ow = 0; ow < dy_row; ow += W, ++v) {
          F a, b;
          std::memcpy(&a, g + ow, sizeof a);
          std::memcpy(&b, x + ow, sizeof b);
          acc[v & 1] += a * b;
        }
      }
      dk[t] += VectorMath<W>::Sum(acc[0] + acc[1]);
    }
  }

  // A plane's rows are short (14 floats in MobileNet's 14x14 layers), where
  // a call to memmove cost more than the copy: whole vectors, the last one
  // overlapping the one before (8 or 4 floats where the row is shorter).
  static void CopyRow(const float* __restrict src, int n, float* __restrict dst) {
    const auto blocks = [&](auto block) {
      constexpr int kFloats = sizeof(block) / sizeof(float);
      for (int i = 0; i + kFloats < n; i += kFloats) std::memcpy(dst + i, src + i, sizeof block);
      std::memcpy(dst + n - kFloats, src + n - kFloats, sizeof block);
    };
    if (n >= W) return blocks(F{});
    if (n >= 8) return blocks(std::array<float, 8>{});
    if (n >= 4) return blocks(std::array<float, 4>{});
    for (int i = 0; i < n; ++i) dst[i] = src[i];
  }

  // In one pass, which the compiler vectorises for the set's instructions.
  static void SplitRow(const float* __restrict row, int n, float* __restrict even,
                       float* __restrict odd) {
    for (int i = 0; i < n; ++i) {
      even[i] = row[2 * i];
      odd[i] = row[2 * i + 1];
    }
  }

  static DepthwiseKernels Set() {
    return {W, &OutputPlane, &InputGradPlane, &WeightGradPlane, &CopyRow, &SplitRow};
  }
};

}  // namespace

}  // namespace strata::kernels
