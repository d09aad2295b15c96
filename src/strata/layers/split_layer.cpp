#include "strata/layers/split_layer.hpp"

#include <algorithm>

#include "strata/layer_registry.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

void SplitLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  for (Blob* t : top) {
    t->ReshapeLike(*bottom[0]);
    t->ShareData(*bottom[0]);
  }
}

void SplitLayer::ForwardCpu(const std::vector<Blob*>& /*bottom*/,
                            const std::vector<Blob*>& /*top*/) {}

// dx = the tops' gradients summed in top order, in one pass over slices
// spread over the pool: a residual net's shortcut splits run this on every
// block, where a copy and then BLAS's saxpy (a baseline SSE kernel in an
// OpenBLAS that does not know the CPU) took two.
void SplitLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                             const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  constexpr int kSlice = 1 << 14;
  float* dx = bottom[0]->mutable_diff();
  std::vector<const float*> dy;
  for (const Blob* t : top) dy.push_back(t->diff());
  ParallelChunks(bottom[0]->count(), kSlice, [&](int begin, int end) {
    if (dy.size() == 1) {
      std::copy(dy[0] + begin, dy[0] + end, dx + begin);
      return;
    }
    const float *a = dy[0], *b = dy[1];
    for (int i = begin; i < end; ++i) dx[i] = a[i] + b[i];
    for (size_t k = 2; k < dy.size(); ++k) {
      const float* c = dy[k];
      for (int i = begin; i < end; ++i) dx[i] += c[i];
    }
  });
}

STRATA_REGISTER_LAYER(Split);

}  // namespace strata
