#include "strata/solvers/adadelta_solver.hpp"

#include <cmath>

#include "strata/solver_registry.hpp"

namespace strata {

AdaDeltaSolver::AdaDeltaSolver(const SolverParameter& param, const SolverSource* source)
    : SGDSolver(param, source) {
  AddHistorySet();  // the running average of squared updates
}

void AdaDeltaSolver::ComputeUpdateValue(int param_index, float rate) {
  Blob* blob = net_->learnable_params()[param_index];
  float* h = history(0, param_index).mutable_data();
  float* h2 = history(1, param_index).mutable_data();
  float* g = blob->mutable_diff();
  const float local_rate = rate * net_->params_lr()[param_index];
  const float rho = param_.momentum();
  const float delta = param_.delta();
  for (int i = 0; i < blob->count(); ++i) {
    h[i] = rho * h[i] + (1.f - rho) * g[i] * g[i];
    const float update = g[i] * std::sqrt((h2[i] + delta) / (h[i] + delta));
    h2[i] = rho * h2[i] + (1.f - rho) * update * update;
    g[i] = local_rate * update;
  }
}

STRATA_REGISTER_SOLVER(AdaDelta);

}  // namespace strata
