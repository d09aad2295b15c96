// Private to the AVX2 and AVX-512 kernel units (compiled with AVX2): the fold
// that ends their dot tiles, in an unnamed namespace so that each unit keeps
// its own copy.
#pragma once

#include <immintrin.h>

namespace strata::kernels {

namespace {

// c[j] += the sum of v[j]'s lanes, j < N: one 4-wide add where N is 4.
template <int N>
inline void AddLaneSums8(const __m256 (&v)[4], float* c) {
  const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(v[0], v[1]), _mm256_hadd_ps(v[2], v[3]));
  const __m128 sums = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  if constexpr (N == 4) {
    _mm_storeu_ps(c, _mm_add_ps(_mm_loadu_ps(c), sums));
  } else {
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, sums);
    for (int j = 0; j < N; ++j) c[j] += lanes[j];
  }
}

}  // namespace

}  // namespace strata::kernels
