// Sigmoid and tanh 16 floats at a time (built with -mavx512f).
#include "../vector_math.hpp"

namespace strata::kernels {

void Avx512Sigmoid(int n, const float* x, float* y) { VectorMath<16>::SigmoidArray(n, x, y); }
void Avx512Tanh(int n, const float* x, float* y) { VectorMath<16>::TanhArray(n, x, y); }

}  // namespace strata::kernels
