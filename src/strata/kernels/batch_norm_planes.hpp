// Private to the kernel units. The BatchNorm plane loops of
// batch_norm_kernels.hpp as one template over the vector width W (GCC's
// vector extension), in an unnamed namespace: each unit that includes it
// compiles its own copy for its own instruction set.
#pragma once

#include <cstring>

#include "strata/kernels/batch_norm_kernels.hpp"
#include "vector_math.hpp"

namespace strata::kernels {

namespace {

// VectorMath gives the vector types and Select.
template <int W>
struct BatchNormPlanes : VectorMath<W> {
  using typename VectorMath<W>::F;
  using VectorMath<W>::Relu;
  using VectorMath<W>::Select;

  static inline F Load(const float* p) {
    F v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  static inline void Store(float* p, F v) { std::memcpy(p, &v, sizeof v); }
  static inline F Splat(float x) { return F{} + x; }

  // The chain's value before the ReLU, one helper for the forward and the
  // backward's recomputation (so both round, and contract, alike).
  template <class T>
  static inline T ChainZ(T x_hat, T gamma, T beta) {
    return x_hat * gamma + beta;
  }
  // The factor of the ReLU's backward (VectorMath::Relu the forward): 1
  // where z > 0, else slope. For T = F or float.
  template <class T>
  static inline T Factor(T z, T slope) {
    if constexpr (sizeof(T) == sizeof(float)) {
      return z > 0.f ? 1.f : slope;
    } else {
      return Select(z > F{}, Splat(1.f), slope);
    }
  }

  // W doubles: one plane's float lane sums are widened into these and added
  // up across the planes, lane by lane.
  // (Passed by reference: a wider vector by value changes the ABI on the
  // narrower instruction sets.)
  typedef double D __attribute__((vector_size(8 * W)));
  static inline void AddWidened(D& lanes, const F& v) { lanes += __builtin_convertvector(v, D); }

  static double LaneSum(const D& v) {
    double lanes[W];
    std::memcpy(lanes, &v, sizeof v);
    double total = 0;
    for (int k = 0; k < W; ++k) total += lanes[k];
    return total;
  }

  static void ShiftedSums(int planes, size_t stride, int n, const float* x, float shift,
                          double* sum, double* sum_squares) {
    const F shift_v = Splat(shift);
    D lanes = D{}, lanes_squares = D{};
    double total = 0, total_squares = 0;
    for (int k = 0; k < planes; ++k, x += stride) {
      F s = F{}, s2 = F{};
      int i = 0;
      for (; i + W <= n; i += W) {
        const F d = Load(x + i) - shift_v;
        s += d;
        s2 += d * d;
      }
      AddWidened(lanes, s);
      AddWidened(lanes_squares, s2);
      for (; i < n; ++i) {
        const double d = static_cast<double>(x[i]) - shift;
        total += d;
        total_squares += d * d;
      }
    }
    *sum += LaneSum(lanes) + total;
    *sum_squares += LaneSum(lanes_squares) + total_squares;
  }

  static void ChainForward(int planes, int n, const float* x, const ChainParams& p, float* x_hat,
                           float* y) {
    const float slope = p.slope;
    const F slope_v = Splat(slope);
    for (int k = 0; k < planes; ++k, x += n, x_hat += n, y += n) {
      const float mean = p.mean[k], inv_std = p.inv_std[k], gamma = p.gamma[k], beta = p.beta[k];
      const F mean_v = Splat(mean), inv_std_v = Splat(inv_std), gamma_v = Splat(gamma),
              beta_v = Splat(beta);
      int i = 0;
      for (; i + W <= n; i += W) {
        const F v = (Load(x + i) - mean_v) * inv_std_v;
        Store(x_hat + i, v);
        Store(y + i, Relu(ChainZ(v, gamma_v, beta_v), slope_v));
      }
      for (; i < n; ++i) {
        const float v = (x[i] - mean) * inv_std;
        x_hat[i] = v;
        y[i] = Relu(ChainZ(v, gamma, beta), slope);
      }
    }
  }

  // W values from p at i (T = F), or one (T = float); a scalar as T.
  template <class T>
  static inline T At(const float* p, int i) {
    if constexpr (sizeof(T) == sizeof(float)) {
      return p[i];
    } else {
      return Load(p + i);
    }
  }
  template <class T>
  static inline T Broadcast(float x) {
    if constexpr (sizeof(T) == sizeof(float)) {
      return x;
    } else {
      return Splat(x);
    }
  }

  // g = dz * relu'(z) at i, W values or one.
  template <ReluSource S, class T>
  static inline T ChainG(const ChainPlane& p, int i) {
    const T dz = At<T>(p.dz, i);
    if constexpr (S == ReluSource::kNone) {
      return dz;
    } else if constexpr (S == ReluSource::kRecomputed) {
      const T z = ChainZ(At<T>(p.x_hat, i), Broadcast<T>(p.gamma), Broadcast<T>(p.beta));
      return dz * Factor(z, Broadcast<T>(p.slope));
    } else {
      return dz * Factor(At<T>(p.z, i), Broadcast<T>(p.slope));
    }
  }

  template <ReluSource S>
  static void ChainSums(int planes, size_t stride, int n, const ChainPlane& first, double* sum_g,
                        double* sum_g_x) {
    ChainPlane p = first;
    D lanes = D{}, lanes_x = D{};
    double total = 0, total_x = 0;
    for (int k = 0; k < planes; ++k, p.dz += stride, p.z += stride, p.x_hat += stride) {
      F s = F{}, sx = F{};
      int i = 0;
      for (; i + W <= n; i += W) {
        const F g = ChainG<S, F>(p, i);
        s += g;
        sx += g * At<F>(p.x_hat, i);
      }
      AddWidened(lanes, s);
      AddWidened(lanes_x, sx);
      for (; i < n; ++i) {
        const float g = ChainG<S, float>(p, i);
        total += g;
        total_x += static_cast<double>(g) * p.x_hat[i];
      }
    }
    *sum_g += LaneSum(lanes) + total;
    *sum_g_x += LaneSum(lanes_x) + total_x;
  }

  // Each element is read before it is written, and by nothing after, so dx
  // may be dz.
  template <ReluSource S>
  static void ChainGradient(int planes, size_t stride, int n, const ChainPlane& first, float a,
                            float b, float factor, float* dx) {
    const F a_v = Splat(a), b_v = Splat(b), factor_v = Splat(factor);
    ChainPlane p = first;
    for (int k = 0; k < planes; ++k, p.dz += stride, p.z += stride, p.x_hat += stride) {
      float* out = dx + k * stride;
      int i = 0;
      for (; i + W <= n; i += W) {
        Store(out + i, (ChainG<S, F>(p, i) - a_v - At<F>(p.x_hat, i) * b_v) * factor_v);
      }
      for (; i < n; ++i) out[i] = (ChainG<S, float>(p, i) - a - p.x_hat[i] * b) * factor;
    }
  }

  static BatchNormKernels Set() {
    return BatchNormKernels{
        ShiftedSums,
        ChainForward,
        {ChainSums<ReluSource::kNone>, ChainSums<ReluSource::kRecomputed>,
         ChainSums<ReluSource::kOutput>},
        {ChainGradient<ReluSource::kNone>, ChainGradient<ReluSource::kRecomputed>,
         ChainGradient<ReluSource::kOutput>}};
  }
};

}  // namespace

}  // namespace strata::kernels
