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

}  // namespace strata::math
