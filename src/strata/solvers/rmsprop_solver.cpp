#include "strata/solvers/rmsprop_solver.hpp"

#include <cmath>

#include "strata/errors.hpp"

namespace strata {

RMSPropSolver::RMSPropSolver(const SolverParameter& param) : SGDSolver(param) {
  if (param_.momentum() != 0.f) {
    throw ConfigError("RMSProp takes no momentum (its decay is rms_decay); remove it");
  }
  if (param_.rms_decay() < 0.f || param_.rms_decay() >= 1.f) {
    throw ConfigError("rms_decay must be in [0, 1)");
  }
}

void RMSPropSolver::ComputeUpdateValue(int param_index, float rate) {
  Blob* blob = net_->learnable_params()[param_index];
  float* h = history(0, param_index).mutable_data();
  float* g = blob->mutable_diff();
  const float local_rate = rate * net_->params_lr()[param_index];
  const float decay = param_.rms_decay();
  const float delta = param_.delta();
  for (int i = 0; i < blob->count(); ++i) {
    h[i] = decay * h[i] + (1.f - decay) * g[i] * g[i];
    g[i] = local_rate * g[i] / (std::sqrt(h[i]) + delta);
  }
}

}  // namespace strata
