#include "strata/math.hpp"

#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "strata/errors.hpp"
#include "strata/storage.hpp"
#include "strata/thread_pool.hpp"

namespace strata::math {

void Gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a,
          const float* b, float beta, float* c) {
  const int lda = trans_a ? m : k;
  const int ldb = trans_b ? k : n;
  // Large products are split over the thread pool by blocks of C's columns
  // (each thread one single-threaded sgemm); small ones are not worth waking it.
  constexpr double kMinFlopsPerPart = 4e6;
  constexpr int kColumnBlock = 16;
  const double flops = 2.0 * m * n * k;
  const int blocks = (n + kColumnBlock - 1) / kColumnBlock;
  const int max_parts = static_cast<int>(std::min<double>(blocks, flops / kMinFlopsPerPart));
  const auto op_a = trans_a ? CblasTrans : CblasNoTrans;
  const auto op_b = trans_b ? CblasTrans : CblasNoTrans;
  if (max_parts < 2 || ParallelParts(blocks, (blocks + max_parts - 1) / max_parts) < 2) {
    cblas_sgemm(CblasRowMajor, op_a, op_b, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
    return;
  }
  ParallelFor(blocks, (blocks + max_parts - 1) / max_parts, [&](int, int begin, int end) {
    const int j0 = begin * kColumnBlock, j1 = std::min(n, end * kColumnBlock);
    const float* b_part = trans_b ? b + static_cast<size_t>(j0) * k : b + j0;
    cblas_sgemm(CblasRowMajor, op_a, op_b, m, j1 - j0, k, alpha, a, lda, b_part, ldb, beta,
                c + j0, n);
  });
}

void Gemv(bool trans_a, int m, int n, float alpha, const float* a, const float* x, float beta,
          float* y) {
  cblas_sgemv(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, m, n, alpha, a, n, x, 1, beta,
              y, 1);
}

void Axpy(int n, float alpha, const float* x, float* y) { cblas_saxpy(n, alpha, x, 1, y, 1); }

void Axpby(int n, float alpha, const float* x, float beta, float* y) {
  if (beta == 0.f) {
    // As in BLAS, beta 0 means y is not read: stale NaN or infinity in it
    // (a gradient from a diverged step) must not survive as 0 * NaN.
    for (int i = 0; i < n; ++i) y[i] = alpha * x[i];
    return;
  }
  for (int i = 0; i < n; ++i) y[i] = alpha * x[i] + beta * y[i];
}

void Scale(int n, float alpha, float* x) { cblas_sscal(n, alpha, x, 1); }

void Set(int n, float value, float* x) {
  if (value == 0.f) {
    std::memset(x, 0, sizeof(float) * n);
  } else {
    std::fill(x, x + n, value);
  }
}

void Copy(int n, const float* x, float* y) {
  if (x != y && n > 0) std::memcpy(y, x, sizeof(float) * n);
}

float Dot(int n, const float* x, const float* y) { return cblas_sdot(n, x, 1, y, 1); }

float Asum(int n, const float* x) { return cblas_sasum(n, x, 1); }

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

float* Workspace(int slot, size_t count) {
  thread_local std::unique_ptr<Storage> slots[4];
  if (slot < 0 || slot >= 4) throw InternalError("math::Workspace slot " + std::to_string(slot));
  std::unique_ptr<Storage>& storage = slots[slot];
  if (!storage || storage->capacity() < count) {
    storage.reset();  // grow without copying contents nobody keeps
    storage = std::make_unique<Storage>();
    storage->Reserve(count);
  }
  return storage->mutable_data();
}

namespace {

// For kernel column kx: the output columns [lo, hi) whose input x is inside
// the image; x = ox * stride - pad + kx * dilation.
void ValidRange(const Window2d& w, int kx, int out_w, int* lo, int* hi) {
  const int offset = kx * w.dilation_w - w.pad_w;  // x of ox = 0
  // smallest ox with ox * stride + offset >= 0
  *lo = offset >= 0 ? 0 : (-offset + w.stride_w - 1) / w.stride_w;
  // largest ox with ox * stride + offset <= width - 1
  const int last = w.width - 1 - offset;
  *hi = last < 0 ? 0 : std::min(out_w, last / w.stride_w + 1);
  *lo = std::min(*lo, *hi);
}

}  // namespace

void Im2col(const float* image, const Window2d& w, float* columns, int ld) {
  const int out_h = w.output_height(), out_w = w.output_width();
  if (ld == 0) ld = out_h * out_w;
  int row_index = 0;
  for (int c = 0; c < w.channels; ++c) {
    const float* plane = image + static_cast<size_t>(c) * w.height * w.width;
    for (int ky = 0; ky < w.kernel_h; ++ky) {
      for (int kx = 0; kx < w.kernel_w; ++kx, ++row_index) {
        float* out = columns + static_cast<size_t>(row_index) * ld;
        int lo, hi;
        ValidRange(w, kx, out_w, &lo, &hi);
        const int offset = kx * w.dilation_w - w.pad_w;
        for (int oy = 0; oy < out_h; ++oy, out += out_w) {
          const int y = oy * w.stride_h - w.pad_h + ky * w.dilation_h;
          if (y < 0 || y >= w.height) {
            std::fill(out, out + out_w, 0.f);
            continue;
          }
          const float* row = plane + static_cast<size_t>(y) * w.width;
          // Plain loops: the segments are short (a row of the output), where a
          // call to memcpy costs more than the copy.
          for (int ox = 0; ox < lo; ++ox) out[ox] = 0.f;
          if (w.stride_w == 1) {
            const float* src = row + lo + offset;
            int ox = lo;
            for (; ox + 8 <= hi; ox += 8, src += 8) std::memcpy(out + ox, src, 8 * sizeof(float));
            for (; ox < hi; ++ox) out[ox] = *src++;
          } else {
            for (int ox = lo; ox < hi; ++ox) out[ox] = row[ox * w.stride_w + offset];
          }
          for (int ox = hi; ox < out_w; ++ox) out[ox] = 0.f;
        }
      }
    }
  }
}

void Col2im(const float* columns, const Window2d& w, float* image, int ld) {
  const int out_h = w.output_height(), out_w = w.output_width();
  if (ld == 0) ld = out_h * out_w;
  std::fill(image, image + static_cast<size_t>(w.channels) * w.height * w.width, 0.f);
  int row_index = 0;
  for (int c = 0; c < w.channels; ++c) {
    float* plane = image + static_cast<size_t>(c) * w.height * w.width;
    for (int ky = 0; ky < w.kernel_h; ++ky) {
      for (int kx = 0; kx < w.kernel_w; ++kx, ++row_index) {
        const float* in = columns + static_cast<size_t>(row_index) * ld;
        int lo, hi;
        ValidRange(w, kx, out_w, &lo, &hi);
        const int offset = kx * w.dilation_w - w.pad_w;
        for (int oy = 0; oy < out_h; ++oy, in += out_w) {
          const int y = oy * w.stride_h - w.pad_h + ky * w.dilation_h;
          if (y < 0 || y >= w.height || lo >= hi) continue;
          float* row = plane + static_cast<size_t>(y) * w.width + lo * w.stride_w + offset;
          if (w.stride_w == 1) {
            for (int ox = lo; ox < hi; ++ox) *row++ += in[ox];
          } else {
            for (int ox = lo; ox < hi; ++ox, row += w.stride_w) *row += in[ox];
          }
        }
      }
    }
  }
}

}  // namespace strata::math
