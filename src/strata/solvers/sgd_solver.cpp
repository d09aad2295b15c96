#include "strata/solvers/sgd_solver.hpp"

#include <glog/logging.h>

#include <cmath>

#include "strata/errors.hpp"
#include "strata/math.hpp"
#include "strata/solver_registry.hpp"

namespace strata {

SGDSolver::SGDSolver(const SolverParameter& param, const SolverSource* source)
    : Solver(param, source) {
  AddHistorySet();
}

void SGDSolver::AddHistorySet() {
  for (Blob* blob : net_->learnable_params())
    history_.push_back(std::make_unique<Blob>(blob->shape()));
}

void SGDSolver::ClipGradients() {
  const float clip = param_.clip_gradients();
  if (clip < 0) return;
  double sumsq = 0;
  for (Blob* blob : net_->learnable_params()) sumsq += blob->sumsq_diff();
  const double norm = std::sqrt(sumsq);
  if (norm <= clip) return;
  const float scale = static_cast<float>(clip / norm);
  LOG(INFO) << "Gradient clipping: scaling down gradients (L2 norm " << norm << " > " << clip
            << ") by scale factor " << scale;
  for (Blob* blob : net_->learnable_params())
    math::Scale(blob->count(), scale, blob->mutable_diff());
}

void SGDSolver::Normalize(int param_index) {
  if (param_.iter_size() == 1) return;
  Blob* blob = net_->learnable_params()[param_index];
  math::Scale(blob->count(), 1.f / param_.iter_size(), blob->mutable_diff());
}

void SGDSolver::Regularize(int param_index) {
  Blob* blob = net_->learnable_params()[param_index];
  const float decay = param_.weight_decay() * net_->params_weight_decay()[param_index];
  if (decay == 0.f) return;
  float* diff = blob->mutable_diff();
  const float* data = blob->data();
  if (param_.regularization_type() == "L2") {
    math::Axpy(blob->count(), decay, data, diff);
  } else {
    for (int i = 0; i < blob->count(); ++i) {
      diff[i] += decay * static_cast<float>((data[i] > 0) - (data[i] < 0));
    }
  }
}

void SGDSolver::ComputeUpdateValue(int param_index, float rate) {
  Blob* blob = net_->learnable_params()[param_index];
  Blob* history = history_[param_index].get();
  const float local_rate = rate * net_->params_lr()[param_index];
  math::MomentumStep(blob->count(), local_rate, param_.momentum(), blob->mutable_diff(),
                     history->mutable_data());
}

void SGDSolver::ApplyUpdate() {
  const float rate = GetLearningRate();
  if (param_.display() > 0 && iter_ % param_.display() == 0) {
    LOG(INFO) << "Iteration " << iter_ << ", lr = " << rate;
  }
  ClipGradients();
  const auto& params = net_->learnable_params();
  // Plain SGD (not a subclass's rule) with L2 decay over one batch: the
  // three passes below as one (math::SgdStep), which reads and writes each
  // parameter's arrays once instead of three times.
  if (type() == std::string("SGD") && param_.iter_size() == 1 &&
      param_.regularization_type() == "L2") {
    for (size_t i = 0; i < params.size(); ++i) {
      Blob* blob = params[i];
      const float decay = param_.weight_decay() * net_->params_weight_decay()[i];
      math::SgdStep(blob->count(), decay, rate * net_->params_lr()[i], param_.momentum(),
                    blob->mutable_data(), blob->mutable_diff(), history_[i]->mutable_data());
    }
    return;
  }
  for (size_t i = 0; i < params.size(); ++i) {
    Normalize(static_cast<int>(i));
    Regularize(static_cast<int>(i));
    ComputeUpdateValue(static_cast<int>(i), rate);
  }
  for (Blob* blob : params) blob->Update();
}

void SGDSolver::SnapshotState(SolverState* state) const {
  for (const auto& blob : history_) blob->ToProto(state->add_history());
}

void SGDSolver::RestoreState(const SolverState& state) {
  if (state.history_size() != static_cast<int>(history_.size())) {
    throw ShapeError(std::string("the state has ") + std::to_string(state.history_size()) +
                     " history blobs but a " + type() + " solver for this net keeps " +
                     std::to_string(history_.size()) + " (different net or solver type?)");
  }
  for (size_t i = 0; i < history_.size(); ++i) {
    history_[i]->FromProto(state.history(static_cast<int>(i)), /*reshape=*/false);
  }
}

STRATA_REGISTER_SOLVER(SGD);

}  // namespace strata
