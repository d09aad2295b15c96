#include "strata/math.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "kernels/vector_math.hpp"
#include "strata/errors.hpp"
#include "strata/packed_gemm.hpp"
#include "strata/scratch.hpp"
#include "strata/thread_pool.hpp"

namespace strata::math {

namespace {

// C = alpha op(A) op(B) + beta C, split over the pool by blocks of C's rows
// (by_rows) or columns, each block one single-threaded sgemm; small products
// are not worth waking the pool.
void SplitGemm(bool by_rows, bool trans_a, bool trans_b, int m, int n, int k, float alpha,
               const float* a, const float* b, float beta, float* c) {
  const int lda = trans_a ? m : k;
  const int ldb = trans_b ? k : n;
  constexpr double kMinFlopsPerPart = 4e6;
  constexpr int kBlock = 16;
  const double flops = 2.0 * m * n * k;
  const int blocks = ((by_rows ? m : n) + kBlock - 1) / kBlock;
  const int max_parts = static_cast<int>(std::min<double>(blocks, flops / kMinFlopsPerPart));
  const auto op_a = trans_a ? CblasTrans : CblasNoTrans;
  const auto op_b = trans_b ? CblasTrans : CblasNoTrans;
  if (max_parts < 2 || ParallelParts(blocks, (blocks + max_parts - 1) / max_parts) < 2) {
    cblas_sgemm(CblasRowMajor, op_a, op_b, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
    return;
  }
  ParallelFor(blocks, (blocks + max_parts - 1) / max_parts, [&](int, int begin, int end) {
    if (by_rows) {
      const int i0 = begin * kBlock, i1 = std::min(m, end * kBlock);
      const float* a_part = trans_a ? a + i0 : a + static_cast<size_t>(i0) * k;
      cblas_sgemm(CblasRowMajor, op_a, op_b, i1 - i0, n, k, alpha, a_part, lda, b, ldb, beta,
                  c + static_cast<size_t>(i0) * n, n);
      return;
    }
    const int j0 = begin * kBlock, j1 = std::min(n, end * kBlock);
    const float* b_part = trans_b ? b + static_cast<size_t>(j0) * k : b + j0;
    cblas_sgemm(CblasRowMajor, op_a, op_b, m, j1 - j0, k, alpha, a, lda, b_part, ldb, beta, c + j0,
                n);
  });
}

}  // namespace

void Gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a,
          const float* b, float beta, float* c) {
  SplitGemm(false, trans_a, trans_b, m, n, k, alpha, a, b, beta, c);
}

void GemmSplitLonger(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a,
                     const float* b, float beta, float* c) {
  SplitGemm(m > n, trans_a, trans_b, m, n, k, alpha, a, b, beta, c);
}

void Gemv(bool trans_a, int m, int n, float alpha, const float* a, const float* x, float beta,
          float* y) {
  cblas_sgemv(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, m, n, alpha, a, n, x, 1, beta, y,
              1);
}

namespace {

// Element-wise work on long vectors (a solver update over a big weight
// matrix, clearing its gradient) is split over the pool; each element's
// result does not depend on the split.
constexpr int kMinElementsPerPart = 1 << 15;

template <typename F>
void ForRanges(int n, F&& f) {
  if (n <= 0) return;  // an empty blob may have no storage: memset(nullptr, 0, 0) is undefined
  if (n < 2 * kMinElementsPerPart) {
    f(0, n);
    return;
  }
  ParallelChunks(n, kMinElementsPerPart, [&](int begin, int end) { f(begin, end); });
}

}  // namespace

void Axpy(int n, float alpha, const float* x, float* y) {
  ForRanges(
      n, [&](int begin, int end) { cblas_saxpy(end - begin, alpha, x + begin, 1, y + begin, 1); });
}

void Axpby(int n, float alpha, const float* x, float beta, float* y) {
  ForRanges(n, [&](int begin, int end) {
    if (beta == 0.f) {
      // As in BLAS, beta 0 means y is not read: stale NaN or infinity in it
      // (a gradient from a diverged step) must not survive as 0 * NaN.
      for (int i = begin; i < end; ++i) y[i] = alpha * x[i];
      return;
    }
    for (int i = begin; i < end; ++i) y[i] = alpha * x[i] + beta * y[i];
  });
}

void MomentumStep(int n, float rate, float momentum, float* diff, float* history) {
  ForRanges(n, [&](int begin, int end) {
    for (int i = begin; i < end; ++i) {
      const float step = rate * diff[i] + momentum * history[i];
      history[i] = step;
      diff[i] = step;
    }
  });
}

void SgdStep(int n, float decay, float rate, float momentum, float* data, float* diff,
             float* history) {
  ForRanges(n, [&](int begin, int end) {
    // Three distinct arrays (a parameter's data, diff and history), and the
    // factors in locals, so that the stores alias nothing the loop reads.
    float* __restrict w = data;
    float* __restrict g = diff;
    float* __restrict h = history;
    const float l2 = decay, lr = rate, mu = momentum;
    for (int i = begin; i < end; ++i) {
      const float step = lr * (g[i] + l2 * w[i]) + mu * h[i];
      h[i] = step;
      g[i] = step;
      w[i] -= step;
    }
  });
}

void Scale(int n, float alpha, float* x) {
  ForRanges(n, [&](int begin, int end) { cblas_sscal(end - begin, alpha, x + begin, 1); });
}

void Set(int n, float value, float* x) {
  ForRanges(n, [&](int begin, int end) {
    if (value == 0.f) {
      std::memset(x + begin, 0, sizeof(float) * (end - begin));
    } else {
      std::fill(x + begin, x + end, value);
    }
  });
}

void Copy(int n, const float* x, float* y) {
  if (x == y || n <= 0) return;
  ForRanges(n, [&](int begin, int end) {
    std::memcpy(y + begin, x + begin, sizeof(float) * (end - begin));
  });
}

float Dot(int n, const float* x, const float* y) { return cblas_sdot(n, x, 1, y, 1); }

float Asum(int n, const float* x) { return cblas_sasum(n, x, 1); }

void Relu(size_t n, float slope, const float* x, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = std::max(x[i], 0.f) + slope * std::min(x[i], 0.f);
}

namespace {

// The ReLU's derivative as arithmetic on the comparison (1 or 0, exact).
inline float ReluFactor(float x, float slope) {
  const float keep = static_cast<float>(x > 0.f);
  return keep + (1.f - keep) * slope;
}

}  // namespace

void ReluBackward(size_t n, float slope, float coeff, const float* dy, const float* x, float* dx) {
  // Four lanes by hand: dx may be dy (in place), and with that possible
  // overlap the compiler kept a scalar loop that branched on every x.
  typedef float F __attribute__((vector_size(16)));
  typedef int32_t I __attribute__((vector_size(16)));
  const F one = F{} + 1.f;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    F g, v;
    std::memcpy(&g, dy + i, sizeof(F));
    std::memcpy(&v, x + i, sizeof(F));
    const F keep = (F)((v > 0.f) & (I)one);  // ReluFactor's 1 or 0, lane by lane
    const F out = coeff * (g * (keep + (1.f - keep) * slope));
    std::memcpy(dx + i, &out, sizeof(F));
  }
  for (; i < n; ++i) dx[i] = coeff * (dy[i] * ReluFactor(x[i], slope));
}

void AddChannelBias(int channels, int spatial, const float* bias, float* x) {
  for (int c = 0; c < channels; ++c) {
    const float b = bias[c];
    float* row = x + static_cast<size_t>(c) * spatial;
    for (int i = 0; i < spatial; ++i) row[i] += b;
  }
}

void AccumulateChannelSums(int channels, int spatial, const float* x, float* sums) {
  for (int c = 0; c < channels; ++c) {
    const float* row = x + static_cast<size_t>(c) * spatial;
    // Eight running sums (a fixed order, so results repeat) let this vectorize.
    float partial[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
    int i = 0;
    for (; i + 8 <= spatial; i += 8) {
      for (int j = 0; j < 8; ++j) partial[j] += row[i + j];
    }
    float sum = 0.f;
    for (; i < spatial; ++i) sum += row[i];
    for (int j = 0; j < 8; ++j) sum += partial[j];
    sums[c] += sum;
  }
}

namespace {

template <typename Term>
double LaneSum(int n, Term term) {
  double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) lanes[j] += term(i + j);
  }
  double sum = 0;
  for (; i < n; ++i) sum += term(i);
  for (double lane : lanes) sum += lane;
  return sum;
}

}  // namespace

double SumDouble(int n, const float* x) {
  return LaneSum(n, [x](int i) { return static_cast<double>(x[i]); });
}

namespace {

// The activations at the CPU's widest vectors (kernels/vector_math.hpp), as
// GemmIsa() picks them.
struct Activations {
  void (*sigmoid)(int, const float*, float*);
  void (*tanh)(int, const float*, float*);
};

const Activations& ActivationsFor(Isa isa) {
  static const Activations avx512{kernels::Avx512Sigmoid, kernels::Avx512Tanh};
  static const Activations avx2{kernels::Avx2Sigmoid, kernels::Avx2Tanh};
  static const Activations generic{kernels::VectorMath<4>::SigmoidArray,
                                   kernels::VectorMath<4>::TanhArray};
  switch (isa) {
    case Isa::kAvx512:
      return avx512;
    case Isa::kAvx2:
      return avx2;
    case Isa::kGeneric:
      break;
  }
  return generic;
}

}  // namespace

void Sigmoid(int n, const float* x, float* y) { ActivationsFor(GemmIsa()).sigmoid(n, x, y); }

void Tanh(int n, const float* x, float* y) { ActivationsFor(GemmIsa()).tanh(n, x, y); }

double DotDouble(int n, const float* x, const float* y) {
  return LaneSum(n, [x, y](int i) { return static_cast<double>(x[i]) * y[i]; });
}

namespace {

// The output indices [lo, hi) whose input index o * stride + offset lies in
// [0, size): the part of an output row (or column) that reads the image.
void ValidRange(int offset, int stride, int size, int out, int* lo, int* hi) {
  *lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int last = size - 1 - offset;
  *hi = last < 0 ? 0 : std::min(out, last / stride + 1);
  *lo = std::min(*lo, *hi);
}

// Short spans (one row of a small output map): inline copies beat memcpy calls.
inline void CopyShort(const float* __restrict src, int n, float* __restrict dst) {
  int i = 0;
  for (; i + 8 <= n; i += 8) std::memcpy(dst + i, src + i, 8 * sizeof(float));
  for (; i < n; ++i) dst[i] = src[i];
}

inline void AddShort(const float* __restrict src, int n, float* __restrict dst) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) dst[i + j] += src[i + j];
  }
  for (; i < n; ++i) dst[i] += src[i];
}

}  // namespace

void CopyStrided(const float* __restrict src, int n, int stride, float* __restrict dst) {
  if (stride == 1) return CopyShort(src, n, dst);
  // Stride 2 (ResNet's and MobileNet's downsampling) with the stride a
  // constant: in registers and unrolled, where the general loop reloaded it
  // from the stack and ran 20 % slower or faster as code around it moved.
  if (stride == 2) {
    for (int i = 0; i < n; ++i) dst[i] = src[2 * i];
    return;
  }
  for (int i = 0; i < n; ++i) dst[i] = src[static_cast<size_t>(i) * stride];
}

namespace {

// One row of the column matrix: kernel offset (c, ky, kx). Output rows
// [y_lo, y_hi) and columns [lo, hi) read the image, starting at `first`
// (the image offset of output (y_lo, lo)); the rest is padding.
struct WindowRow {
  int y_lo, y_hi, lo, hi;
  long first;
};

// Calls f(row_index, WindowRow) for each kernel offset. The bounds depend on
// (ky, kx) only: they are worked out once per call (divisions included, which
// cost more than copying a short row), then shifted to each channel.
template <typename F>
void ForEachWindowRow(const Window2d& w, F&& f) {
  const int out_h = w.output_height(), out_w = w.output_width();
  const int per_channel = w.kernel_h * w.kernel_w;
  WindowRow* offsets = scratch::Get<WindowRow>(scratch::Key::kIm2colRows, per_channel);
  for (int ky = 0, i = 0; ky < w.kernel_h; ++ky) {
    const int y_offset = ky * w.dilation_h - w.pad_h;
    WindowRow r{};
    ValidRange(y_offset, w.stride_h, w.height, out_h, &r.y_lo, &r.y_hi);
    for (int kx = 0; kx < w.kernel_w; ++kx, ++i) {
      const int x_offset = kx * w.dilation_w - w.pad_w;
      ValidRange(x_offset, w.stride_w, w.width, out_w, &r.lo, &r.hi);
      r.first = (static_cast<long>(r.y_lo) * w.stride_h + y_offset) * w.width + r.lo * w.stride_w +
                x_offset;
      offsets[i] = r;
    }
  }
  const long plane = static_cast<long>(w.height) * w.width;
  for (int c = 0; c < w.channels; ++c) {
    for (int i = 0; i < per_channel; ++i) {
      WindowRow r = offsets[i];
      r.first += c * plane;
      f(c * per_channel + i, r);
    }
  }
}

// One row of the column matrix, window position r of output rows [y0, y1),
// into out ((y1 - y0) * out_w values).
void Im2colRow(const float* image, const WindowRow& r, int out_w, int y0, int y1, int stride_w,
               long row_step, float* out) {
  const int from = std::clamp(r.y_lo, y0, y1), to = std::clamp(r.y_hi, from, y1);
  std::fill(out, out + static_cast<long>(from - y0) * out_w, 0.f);
  const float* src = image + r.first + (from - r.y_lo) * row_step;
  const int n = r.hi - r.lo;
  float* o = out + static_cast<long>(from - y0) * out_w;
  if (stride_w == 1 && n == out_w) {  // whole output rows: the common case
    for (int oy = from; oy < to; ++oy, src += row_step, o += out_w) CopyShort(src, out_w, o);
  } else {
    for (int oy = from; oy < to; ++oy, src += row_step, o += out_w) {
      std::fill(o, o + r.lo, 0.f);
      CopyStrided(src, n, stride_w, o + r.lo);
      std::fill(o + r.hi, o + out_w, 0.f);
    }
  }
  std::fill(o, out + static_cast<long>(y1 - y0) * out_w, 0.f);
}

}  // namespace

void Im2col(const float* image, const Window2d& w, float* columns, int ld) {
  const int out_h = w.output_height(), out_w = w.output_width();
  if (ld == 0) ld = out_h * out_w;
  const long row_step = static_cast<long>(w.stride_h) * w.width;
  // The rows spread over the pool where the caller runs alone (a batch of
  // one), in parts of at least kMinPartFloats; inside a hand-out, here.
  constexpr long kMinPartFloats = 1 << 18;
  const int rows = w.channels * w.kernel_h * w.kernel_w;
  const long row_floats = std::max(1L, static_cast<long>(out_h) * out_w);
  const int min_rows = static_cast<int>(std::max(1L, kMinPartFloats / row_floats));
  ParallelFor(rows, min_rows, [&](int, int begin, int end) {
    ForEachWindowRow(w, [&](int index, const WindowRow& r) {
      if (index < begin || index >= end) return;
      Im2colRow(image, r, out_w, 0, out_h, w.stride_w, row_step,
                columns + static_cast<size_t>(index) * ld);
    });
  });
}

void Im2colRows(const float* image, const Window2d& w, int y0, int y1, float* columns, int ld) {
  const int out_w = w.output_width();
  if (ld == 0) ld = (y1 - y0) * out_w;
  const long row_step = static_cast<long>(w.stride_h) * w.width;
  ForEachWindowRow(w, [&](int index, const WindowRow& r) {
    Im2colRow(image, r, out_w, y0, y1, w.stride_w, row_step,
              columns + static_cast<size_t>(index) * ld);
  });
}

void Col2im(const float* columns, const Window2d& w, float* image, int ld) {
  const int out_h = w.output_height(), out_w = w.output_width();
  if (ld == 0) ld = out_h * out_w;
  std::fill(image, image + static_cast<size_t>(w.channels) * w.height * w.width, 0.f);
  const int stride_w = w.stride_w;
  const long row_step = static_cast<long>(w.stride_h) * w.width;
  ForEachWindowRow(w, [&](int index, const WindowRow& r) {
    const float* in = columns + static_cast<size_t>(index) * ld + r.lo;
    float* dst = image + r.first;
    const int n = r.hi - r.lo;
    for (int oy = r.y_lo; oy < r.y_hi; ++oy, dst += row_step) {
      const float* i_row = in + oy * out_w;
      if (stride_w == 1) {
        AddShort(i_row, n, dst);
      } else if (stride_w == 2) {
        for (int i = 0; i < n; ++i) dst[2 * i] += i_row[i];
      } else {
        for (int i = 0; i < n; ++i) dst[static_cast<size_t>(i) * stride_w] += i_row[i];
      }
    }
  });
}

}  // namespace strata::math
