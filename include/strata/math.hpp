// Numerical kernels. Layers call these instead of BLAS or hand loops over whole
// arrays, so that a faster or second-device implementation changes one file.
// Matrices are row-major. OpenBLAS's s* routines are wrapped here and only here.
#pragma once

namespace strata::math {

// C = alpha * op(A) * op(B) + beta * C; op(A) is M x K, op(B) is K x N.
void Gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a,
          const float* b, float beta, float* c);
// y = alpha * op(A) * x + beta * y; A is M x N.
void Gemv(bool trans_a, int m, int n, float alpha, const float* a, const float* x, float beta,
          float* y);
// y += alpha * x
void Axpy(int n, float alpha, const float* x, float* y);
// y = alpha * x + beta * y
void Axpby(int n, float alpha, const float* x, float beta, float* y);
// x *= alpha
void Scale(int n, float alpha, float* x);
void Set(int n, float value, float* x);
void Copy(int n, const float* x, float* y);
float Dot(int n, const float* x, const float* y);
float Asum(int n, const float* x);

}  // namespace strata::math
