// Private to the kernel units. The depthwise row loop of
// depthwise_kernels.hpp as one template over the vector width W (GCC's
// vector extension), in an unnamed namespace: each unit that includes it
// compiles its own copy for its own instruction set.
#pragma once

#include <algorithm>
#include <cstring>

#include "strata/kernels/depthwise_kernels.hpp"
#include "vector_math.hpp"

namespace strata::kernels {

namespace {

template <int W>
struct DepthwiseRows {
  using F = typename VectorMath<W>::F;

  // Outputs [ow, ow + G vectors) of a row (those before out_w written): G
  // sums side by side, as one alone would wait on each add.
  template <int G>
  static inline void OutputVectors(int ow, int out_w, int tap_count, const float* const* taps,
                                   const float* k, float bias, float slope, float* y) {
    F acc[G];
    for (F& a : acc) a = F{} + bias;
    for (int t = 0; t < tap_count; ++t) {
      const float weight = k[t];
      for (int g = 0; g < G; ++g) {
        F x;
        std::memcpy(&x, taps[t] + ow + g * W, sizeof x);
        acc[g] += weight * x;
      }
    }
    for (int g = 0; g < G; ++g) {
      if (slope != 1.f) acc[g] = VectorMath<W>::Relu(acc[g], F{} + slope);
      const int count = std::min(W, out_w - ow - g * W);
      if (count > 0) std::memcpy(y + ow + g * W, &acc[g], sizeof(float) * count);
    }
  }

  static void OutputRow(int out_w, int tap_count, const float* const* taps, const float* k,
                        float bias, float slope, float* y) {
    int ow = 0;
    for (; ow + 3 * W < out_w; ow += 4 * W) {
      OutputVectors<4>(ow, out_w, tap_count, taps, k, bias, slope, y);
    }
    for (; ow + W < out_w; ow += 2 * W) {
      OutputVectors<2>(ow, out_w, tap_count, taps, k, bias, slope, y);
    }
    if (ow < out_w) OutputVectors<1>(ow, out_w, tap_count, taps, k, bias, slope, y);
  }

  static DepthwiseKernels Set() { return {W, &OutputRow}; }
};

}  // namespace

}  // namespace strata::kernels
