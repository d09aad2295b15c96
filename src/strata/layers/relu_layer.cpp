#include "strata/layers/relu_layer.hpp"

#include <algorithm>

#include "strata/layer_registry.hpp"
#include "strata/math.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

namespace {

// Long blobs are split over the pool. The loops are written so that they
// vectorize: a select (x > 0 ? a : b) compiles to a branch per element, which
// mispredicts half the time on real data; arithmetic on the comparison does
// not branch.
constexpr int kMinPerPart = 1 << 16;

}  // namespace

void ReLULayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float slope = layer_param_.relu_param().negative_slope();
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  ParallelFor(bottom[0]->count(), kMinPerPart, [&](int, int begin, int end) {
    math::Relu(end - begin, slope, x + begin, y + begin);
  });
}

void ReLULayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                            const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float slope = layer_param_.relu_param().negative_slope();
  // In place, bottom data already holds y; y > 0 exactly where x > 0 (for slope >= 0).
  const float* x = bottom[0]->data();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  ParallelFor(bottom[0]->count(), kMinPerPart, [&](int, int begin, int end) {
    math::ReluBackward(end - begin, slope, 1.f, dy + begin, x + begin, dx + begin);
  });
}

STRATA_REGISTER_LAYER(ReLU);

}  // namespace strata
