#include "strata/layers/bnll_layer.hpp"

#include <algorithm>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void BNLLLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  for (int i = 0; i < bottom[0]->count(); ++i) {
    y[i] = x[i] > 0 ? x[i] + std::log1p(std::exp(-x[i])) : std::log1p(std::exp(x[i]));
  }
}

void BNLLLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                            const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float* x = bottom[0]->data();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  for (int i = 0; i < top[0]->count(); ++i) {
    const float e = std::exp(std::min(x[i], 50.f));
    dx[i] = dy[i] * e / (e + 1.f);
  }
}

STRATA_REGISTER_LAYER(BNLL);

}  // namespace strata
