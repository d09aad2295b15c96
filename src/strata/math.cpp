#include "strata/math.hpp"

#include <cblas.h>

#include <algorithm>
#include <cstring>

namespace strata::math {

void Gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a,
          const float* b, float beta, float* c) {
  const int lda = trans_a ? m : k;
  const int ldb = trans_b ? k : n;
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
}

void Gemv(bool trans_a, int m, int n, float alpha, const float* a, const float* x, float beta,
          float* y) {
  cblas_sgemv(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, m, n, alpha, a, n, x, 1, beta,
              y, 1);
}

void Axpy(int n, float alpha, const float* x, float* y) { cblas_saxpy(n, alpha, x, 1, y, 1); }

void Axpby(int n, float alpha, const float* x, float beta, float* y) {
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

void Im2col(const float* image, const Window2d& w, float* columns) {
  const int out_h = w.output_height(), out_w = w.output_width();
  for (int c = 0; c < w.channels; ++c) {
    for (int ky = 0; ky < w.kernel_h; ++ky) {
      for (int kx = 0; kx < w.kernel_w; ++kx) {
        const float* plane = image + static_cast<size_t>(c) * w.height * w.width;
        for (int oy = 0; oy < out_h; ++oy) {
          const int y = oy * w.stride_h - w.pad_h + ky * w.dilation_h;
          if (y < 0 || y >= w.height) {
            std::fill(columns, columns + out_w, 0.f);
            columns += out_w;
            continue;
          }
          const float* row = plane + static_cast<size_t>(y) * w.width;
          for (int ox = 0; ox < out_w; ++ox) {
            const int x = ox * w.stride_w - w.pad_w + kx * w.dilation_w;
            *columns++ = (x >= 0 && x < w.width) ? row[x] : 0.f;
          }
        }
      }
    }
  }
}

void Col2im(const float* columns, const Window2d& w, float* image) {
  const int out_h = w.output_height(), out_w = w.output_width();
  std::fill(image, image + static_cast<size_t>(w.channels) * w.height * w.width, 0.f);
  for (int c = 0; c < w.channels; ++c) {
    float* plane = image + static_cast<size_t>(c) * w.height * w.width;
    for (int ky = 0; ky < w.kernel_h; ++ky) {
      for (int kx = 0; kx < w.kernel_w; ++kx) {
        for (int oy = 0; oy < out_h; ++oy) {
          const int y = oy * w.stride_h - w.pad_h + ky * w.dilation_h;
          if (y < 0 || y >= w.height) {
            columns += out_w;
            continue;
          }
          float* row = plane + static_cast<size_t>(y) * w.width;
          for (int ox = 0; ox < out_w; ++ox, ++columns) {
            const int x = ox * w.stride_w - w.pad_w + kx * w.dilation_w;
            if (x >= 0 && x < w.width) row[x] += *columns;
          }
        }
      }
    }
  }
}

}  // namespace strata::math
