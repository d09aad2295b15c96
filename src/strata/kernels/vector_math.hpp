// Sigmoid and tanh over arrays, W floats at a time in GCC/clang vector
// extensions: math.cpp instantiates the baseline's 4 (SSE2), the AVX2 and
// AVX-512 folders 8 and 16 under their flags (math::Sigmoid picks by the CPU).
// No branches: the compiler leaves scalar loops with clamps and selects
// unvectorized. Every lane computes the same formulas, within a few ulps of
// libm (FMA contraction differs between the instantiations).
#pragma once

#include <cstdint>
#include <cstring>

namespace strata::kernels {

// Internal to each unit that includes it: an ISA unit's copy must never
// stand in for another's (Kernels.IsaUnitsShareNoInlineCode).
namespace {

template <int W>
struct VectorMath {
  typedef float F __attribute__((vector_size(4 * W)));
  typedef int32_t I __attribute__((vector_size(4 * W)));

  static inline F Select(I mask, F a, F b) { return (F)((mask & (I)a) | (~mask & (I)b)); }

  // The lanes' sum, added in lane order.
  static inline float Sum(F v) {
    float lanes[W];
    std::memcpy(lanes, &v, sizeof lanes);
    float sum = 0.f;
    for (float lane : lanes) sum += lane;
    return sum;
  }

  // std::max(z, 0) + slope * std::min(z, 0), as the ReLU layer computes it
  // (a NaN passes through). For T = F or float.
  template <class T>
  static inline T Relu(T z, T slope) {
    if constexpr (sizeof(T) == sizeof(float)) {
      return (z < 0.f ? 0.f : z) + slope * (z > 0.f ? 0.f : z);
    } else {
      const F zero = F{};
      return Select(z < zero, zero, z) + slope * Select(z > zero, zero, z);
    }
  }

  // exp(x), x clamped to [-87, 88]: x = n ln 2 + r with |r| <= ln(2)/2,
  // exp(r) by Cephes' degree-6 polynomial, 2^n built in the exponent bits.
  static inline F Exp(F x) {
    const F hi = F{} + 88.f, lo = F{} - 87.f;
    x = Select(x > hi, hi, x);
    x = Select(x < lo, lo, x);
    const float kRound = 12582912.f;  // 1.5 * 2^23: adding it rounds to an integer
    const F shifted = x * 1.44269504f + kRound;
    const F n = shifted - kRound;
    const F r = x - n * 0.693359375f + n * 2.12194440e-4f;
    F p = F{} + 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const F e = p * r * r + r + 1.f;
    const I exponent = ((I)shifted - 0x4B400000 + 127) << 23;  // the integer n, as 2^n
    return e * (F)exponent;
  }

  static inline F Sigmoid(F x) { return 1.f / (1.f + Exp(-x)); }

  static inline F Tanh(F x) {
    const I sign = (I)x & static_cast<int32_t>(0x80000000u);
    const F a = (F)((I)x & 0x7fffffff), a2 = a * a;
    // Near 0 the series keeps the relative accuracy that 1 - 2/(e^2a + 1) loses.
    const F small = a * (1.f + a2 * (-1.f / 3 + a2 * (2.f / 15)));
    const F large = 1.f - 2.f / (Exp(a + a) + 1.f);
    return (F)((I)Select(a < 0.0625f, small, large) | sign);
  }

  // y[i] = f(x[i]); the last n % W values go through a zero-padded vector.
  template <class Fn>
  static inline void Map(int n, const float* x, float* y, Fn f) {
    int i = 0;
    for (; i + W <= n; i += W) {
      F v;
      std::memcpy(&v, x + i, sizeof(v));
      v = f(v);
      std::memcpy(y + i, &v, sizeof(v));
    }
    if (i == n) return;
    F v{};
    std::memcpy(&v, x + i, (n - i) * sizeof(float));
    v = f(v);
    std::memcpy(y + i, &v, (n - i) * sizeof(float));
  }
  static void SigmoidArray(int n, const float* x, float* y) { Map(n, x, y, Sigmoid); }
  static void TanhArray(int n, const float* x, float* y) { Map(n, x, y, Tanh); }
};

}  // namespace

// The AVX2 and AVX-512 instantiations (kernels/avx2, kernels/avx512).
void Avx2Sigmoid(int n, const float* x, float* y);
void Avx2Tanh(int n, const float* x, float* y);
void Avx512Sigmoid(int n, const float* x, float* y);
void Avx512Tanh(int n, const float* x, float* y);

}  // namespace strata::kernels
