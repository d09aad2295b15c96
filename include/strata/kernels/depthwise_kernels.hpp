// The depthwise convolution's plane loop (conv/depthwise_conv.cpp), one per
// instruction set (src/strata/kernels/<isa>/depthwise.cpp, each compiled with
// its own flags over depthwise_rows.hpp), picked by DepthwiseKernelsFor from
// the one CPU check.
#pragma once

#include "strata/packed_gemm.hpp"

namespace strata::kernels {

struct DepthwiseKernels {
  // Floats per vector: the padded input rows the taps read hold whole
  // vectors of outputs past out_w.
  int lanes;
  // One channel's out_h rows of out_w outputs (y, row after row):
  // y[oh][ow] = bias + the sum over taps t of k[t] * plane[oh * row_step +
  // offsets[t] + ow], added in the taps' order; then, with `slope` != 1,
  // rectified as a ReLU with that negative slope.
  void (*output_plane)(int out_h, int out_w, size_t row_step, int tap_count, const size_t* offsets,
                       const float* plane, const float* k, float bias, float slope, float* y);
  // The backward of output_plane for one output channel, whose gradient dy
  // holds out_h rows of dy_row floats (a multiple of lanes, zero past out_w):
  // dplane[oh * row_step + offsets[t] + ow] += k[t] * dy[oh][ow] (the padded
  // plane's gradient), and dk[t] += the sum over oh, ow of dy[oh][ow] *
  // plane[oh * row_step + offsets[t] + ow].
  void (*input_grad_plane)(int out_h, int dy_row, size_t row_step, int tap_count,
                           const size_t* offsets, const float* dy, const float* k, float* dplane);
  void (*weight_grad_plane)(int out_h, int dy_row, size_t row_step, int tap_count,
                            const size_t* offsets, const float* plane, const float* dy, float* dk);
  // Filling the padded plane: dst[i] = src[i], and even[i] = row[2 * i],
  // odd[i] = row[2 * i + 1] (a stride-2 row's two column phases), i < n.
  void (*copy_row)(const float* src, int n, float* dst);
  void (*split_row)(const float* row, int n, float* even, float* odd);
};

const DepthwiseKernels& GenericDepthwiseKernels();
const DepthwiseKernels& Avx2DepthwiseKernels();
const DepthwiseKernels& Avx512DepthwiseKernels();
// The set for kernel set `isa`.
const DepthwiseKernels& DepthwiseKernelsFor(math::Isa isa);

}  // namespace strata::kernels
