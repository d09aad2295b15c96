// Numerical kernels. Layers call these instead of BLAS or hand loops over whole
// arrays, so that a faster or second-device implementation changes one file.
// Matrices are row-major. OpenBLAS's s* routines are wrapped here and only here.
#pragma once

#include <cstddef>

namespace strata::math {

// C = alpha * op(A) * op(B) + beta * C; op(A) is M x K, op(B) is K x N.
// Large products are split over the thread pool by blocks of C's columns.
void Gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a,
          const float* b, float beta, float* c);
// As Gemm, split by blocks of rows where C has more rows than columns: each
// thread then reads its share of op(A) only (a tall weight matrix streamed
// from memory once, not once per thread).
void GemmSplitLonger(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a,
                     const float* b, float beta, float* c);
// y = alpha * op(A) * x + beta * y; A is M x N.
void Gemv(bool trans_a, int m, int n, float alpha, const float* a, const float* x, float beta,
          float* y);
// y += alpha * x
void Axpy(int n, float alpha, const float* x, float* y);
// y = alpha * x + beta * y; with beta 0, y is only written (never read), as in BLAS.
void Axpby(int n, float alpha, const float* x, float beta, float* y);
// SGD's momentum step in one pass: history = rate * diff + momentum * history,
// then diff = history (the value the update subtracts).
void MomentumStep(int n, float rate, float momentum, float* diff, float* history);
// A whole SGD step in one pass, the arithmetic of Axpy (L2 decay), MomentumStep
// and Blob::Update in turn: diff += decay * data; history = rate * diff +
// momentum * history; diff = history; data -= history.
void SgdStep(int n, float decay, float rate, float momentum, float* data, float* diff,
             float* history);
// x *= alpha
void Scale(int n, float alpha, float* x);
void Set(int n, float value, float* x);
void Copy(int n, const float* x, float* y);
float Dot(int n, const float* x, const float* y);
float Asum(int n, const float* x);

// Sums in double over eight interleaved lanes (a fixed order, so results
// repeat, and the loop vectorizes): sum of x, of x * y.
double SumDouble(int n, const float* x);
double DotDouble(int n, const float* x, const float* y);

// y = sigmoid(x), y = tanh(x) over n values (y may be x): loops the compiler
// vectorizes, within a few float ulps of the exact functions (math_test);
// the recurrent layers spend much of their time here.
void Sigmoid(int n, const float* x, float* y);
void Tanh(int n, const float* x, float* y);

// y = max(x, 0) + slope * min(x, 0) (Caffe's ReLU); y may be x.
void Relu(size_t n, float slope, const float* x, float* y);
// dx = coeff * (dy * f) over n values (dx may be dy), f the ReLU's derivative
// at x (or at its output, for slope >= 0): 1 where x > 0, else slope. The
// ReLU's backward, and with coeff the fused Eltwise sum's, to the same bits.
void ReluBackward(size_t n, float slope, float coeff, const float* dy, const float* x, float* dx);

// x[c][s] += bias[c] over `channels` rows of `spatial` values.
void AddChannelBias(int channels, int spatial, const float* bias, float* x);
// sums[c] += sum over s of x[c][s].
void AccumulateChannelSums(int channels, int spatial, const float* x, float* sums);

// The geometry of a 2-D sliding window (convolution, pooling, im2col).
struct Window2d {
  int channels, height, width;
  int kernel_h, kernel_w;
  int pad_h = 0, pad_w = 0;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int output_height() const {
    return (height + 2 * pad_h - (dilation_h * (kernel_h - 1) + 1)) / stride_h + 1;
  }
  int output_width() const {
    return (width + 2 * pad_w - (dilation_w * (kernel_w - 1) + 1)) / stride_w + 1;
  }
};
// dst[i] = src[i * stride] for i < n.
void CopyStrided(const float* src, int n, int stride, float* dst);
// Unfolds an image (C x H x W) into columns (C*kh*kw rows of out_h*out_w);
// padding reads 0. Row r starts at columns + r * ld (ld 0: out_h*out_w), so
// several images can sit side by side in one matrix for one GEMM.
void Im2col(const float* image, const Window2d& w, float* columns, int ld = 0);
// The same for output rows [y0, y1) only: rows of (y1 - y0) * out_w columns
// (ld 0: that many), on the calling thread.
void Im2colRows(const float* image, const Window2d& w, int y0, int y1, float* columns, int ld = 0);
// The adjoint: sums columns back into an image (overwritten).
void Col2im(const float* columns, const Window2d& w, float* image, int ld = 0);

}  // namespace strata::math
