// Sigmoid and tanh 8 floats at a time (built with -mavx2 -mfma).
#include "../vector_math.hpp"

namespace strata::kernels {

void Avx2Sigmoid(int n, const float* x, float* y) { VectorMath<8>::SigmoidArray(n, x, y); }
void Avx2Tanh(int n, const float* x, float* y) { VectorMath<8>::TanhArray(n, x, y); }

}  // namespace strata::kernels
