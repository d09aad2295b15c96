#include "strata/solvers/adam_solver.hpp"

#include <cmath>

#include "strata/solver_registry.hpp"

namespace strata {

AdamSolver::AdamSolver(const SolverParameter& param, const SolverSource* source)
    : SGDSolver(param, source) {
  AddHistorySet();  // second moments
}

void AdamSolver::ComputeUpdateValue(int param_index, float rate) {
  Blob* blob = net_->learnable_params()[param_index];
  float* m = history(0, param_index).mutable_data();
  float* v = history(1, param_index).mutable_data();
  float* g = blob->mutable_diff();
  const float local_rate = rate * net_->params_lr()[param_index];
  const float beta1 = param_.momentum();
  const float beta2 = param_.momentum2();
  const float eps = param_.delta();
  const int t = iter_ + 1;
  const float correction =
      static_cast<float>(std::sqrt(1.0 - std::pow(beta2, t)) / (1.0 - std::pow(beta1, t)));
  for (int i = 0; i < blob->count(); ++i) {
    m[i] = (1.f - beta1) * g[i] + beta1 * m[i];
    v[i] = (1.f - beta2) * g[i] * g[i] + beta2 * v[i];
    g[i] = local_rate * correction * (m[i] / (std::sqrt(v[i]) + eps));
  }
}

void AdamWSolver::ComputeUpdateValue(int param_index, float rate) {
  Blob* blob = net_->learnable_params()[param_index];
  const float decay = param_.weight_decay() * net_->params_weight_decay()[param_index];
  const float local_rate = rate * net_->params_lr()[param_index];
  AdamSolver::ComputeUpdateValue(param_index, rate);
  if (decay == 0.f) return;
  const float* w = blob->data();
  float* step = blob->mutable_diff();
  for (int i = 0; i < blob->count(); ++i) step[i] += local_rate * decay * w[i];
}

STRATA_REGISTER_SOLVER(Adam);
STRATA_REGISTER_SOLVER(AdamW);

}  // namespace strata
