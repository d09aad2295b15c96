#include "strata/layers/absval_layer.hpp"

#include <algorithm>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void AbsValLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  float* y = top[0]->mutable_data();
  for (int i = 0; i < bottom[0]->count(); ++i) {
    y[i] = std::fabs(x[i]);
  }
}

void AbsValLayer::BackwardCpu(const std::vector<Blob*>& top,
                              const std::vector<bool>& propagate_down,
                              const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const float* x = bottom[0]->data();
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  for (int i = 0; i < top[0]->count(); ++i) {
    dx[i] = dy[i] * static_cast<float>((x[i] > 0) - (x[i] < 0));
  }
}

STRATA_REGISTER_LAYER(AbsVal);

}  // namespace strata
