// The BatchNorm layer's per-plane loops (statistics, the normalisation with
// its fused Scale and ReLU, the fused chain's backward), one set per
// instruction set (src/strata/kernels/<isa>/batch_norm.cpp, each compiled
// with its own flags over batch_norm_planes.hpp), picked by
// BatchNormKernelsFor from the one CPU check. They are bound by memory: the
// wider sets read each value once, in whole registers.
#pragma once

#include "strata/packed_gemm.hpp"

namespace strata::kernels {

// Where the fused backward's ReLU factor comes from. kNone: no ReLU in the
// chain. kRecomputed: from z = x_hat * gamma + beta, computed as the forward
// computed it (ChainForward), so that the output need not be read: with a
// slope >= 0, z > 0 exactly where the output is. kOutput: from the output,
// as the in-place ReLU's backward decides (a negative slope flips the sign).
enum class ReluSource { kNone, kRecomputed, kOutput };

// One plane (spatial values of one image and channel) of a fused chain.
struct ChainPlane {
  const float* dz;     // the output's gradient
  const float* z;      // the output (read by kOutput only)
  const float* x_hat;  // the normalised values
  float gamma, beta, slope;
};

// Per-channel values of a fused chain's forward, indexed by channel.
struct ChainParams {
  const float *mean, *inv_std, *gamma, *beta;
  float slope;
};

struct BatchNormKernels {
  // Over `planes` planes of n values, plane k at x + k * stride: *sum += the
  // sum of x - shift, *sum_squares += that of (x - shift)^2 (float partial
  // sums per plane and register lane, added up in double lanes across the
  // planes: a plane's sum is not reduced on its own, which cost more than
  // the plane's loads where planes are 6x6).
  void (*shifted_sums)(int planes, size_t stride, int n, const float* x, float shift, double* sum,
                       double* sum_squares);
  // x_hat = (x - mean) * inv_std, y = relu(x_hat * gamma + beta) with the
  // ReLU's negative slope (1: no ReLU); y may be x. Over `planes` planes of n
  // values that follow each other (one image's channels), plane k with
  // entry k of each of p's arrays.
  void (*chain_forward)(int planes, int n, const float* x, const ChainParams& p, float* x_hat,
                        float* y);
  // With g = dz * relu'(z): *sum_g += sum g, *sum_g_x += sum g * x_hat,
  // summed as shifted_sums sums; and dx = (g - a - x_hat * b) * factor (dx
  // may be dz). Each over `planes` planes of one channel: p's arrays (and
  // dx) for the first, each next one `stride` further on; each indexed by
  // ReluSource.
  void (*chain_sums[3])(int planes, size_t stride, int n, const ChainPlane& p, double* sum_g,
                        double* sum_g_x);
  void (*chain_gradient[3])(int planes, size_t stride, int n, const ChainPlane& p, float a, float b,
                            float factor, float* dx);
};

const BatchNormKernels& GenericBatchNormKernels();
const BatchNormKernels& Avx2BatchNormKernels();
const BatchNormKernels& Avx512BatchNormKernels();
// The set for kernel set `isa`.
const BatchNormKernels& BatchNormKernelsFor(math::Isa isa);

}  // namespace strata::kernels
