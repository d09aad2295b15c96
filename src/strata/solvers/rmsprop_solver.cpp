#include "strata/solvers/rmsprop_solver.hpp"

#include <cmath>

#include "strata/errors.hpp"
#include "strata/solver_registry.hpp"

namespace strata {

RMSPropSolver::RMSPropSolver(const SolverParameter& param, const SolverSource* source)
    : SGDSolver(param, source) {}  // its fields are checked by ValidateSolverParameter

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

STRATA_REGISTER_SOLVER(RMSProp);

}  // namespace strata
