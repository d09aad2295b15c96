#include "strata/layers/lstm_layer.hpp"

#include <algorithm>
#include <chrono>

#include "strata/layer_registry.hpp"
#include "strata/layers/lstm_unit_layer.hpp"
#include "strata/math.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

std::vector<Layer::ParamBlobSpec> LSTMLayer::RecurrentParamSpecs() const {
  return {{"W_hc", {4 * hidden_, hidden_}, &layer_param_.recurrent_param().weight_filler()}};
}

void LSTMLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  RecurrentLayer::Reshape(bottom, top);
  const size_t per_step = static_cast<size_t>(streams_) * hidden_;
  acts_.resize(steps_ * per_step * 4);
  cells_.resize(steps_ * per_step);
  tanh_cells_.resize(steps_ * per_step);
  h_prev_.resize(steps_ * per_step);
  c_initial_.resize(per_step);
}

// Streams never interact: each thread runs all the steps of its own streams,
// with no synchronisation between steps (one product per step on its rows).
void LSTMLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const auto start = std::chrono::steady_clock::now();
  CheckCont(*bottom[1]);
  const int n = streams_, h = hidden_;
  const size_t per_step = static_cast<size_t>(n) * h;
  ProjectInputs(bottom, acts_.data());
  std::copy_n(InitialState(bottom, 1), per_step, c_initial_.data());
  const float* cont = bottom[1]->data();
  const float* w_hc = blobs_[recurrent_param_]->data();
  const float* h_initial = InitialState(bottom, 0);
  float* out = top[0]->mutable_data();
  ParallelFor(n, kStreamsPerPart, [&](int, int begin, int end) {
    const int rows = end - begin;
    const size_t row = static_cast<size_t>(begin) * h;
    for (int t = 0; t < steps_; ++t) {
      const size_t at = t * per_step + row;
      const float* h_last = t == 0 ? h_initial + row : out + at - per_step;
      const float* c_last = t == 0 ? c_initial_.data() + row : cells_.data() + at - per_step;
      float* gates = acts_.data() + 4 * at;
      Continue(rows, h, cont + t * n + begin, h_last, h_prev_.data() + at);
      math::Gemm(false, true, rows, 4 * h, h, 1.f, h_prev_.data() + at, w_hc, 1.f, gates);
      LstmCellForward(rows, h, cont + t * n + begin, c_last, gates, cells_.data() + at,
                      tanh_cells_.data() + at, out + at);
    }
  });
  if (steps_ > 0) {
    FinishState(top, 0, out + (steps_ - 1) * per_step);
    FinishState(top, 1, cells_.data() + (steps_ - 1) * per_step);
  }
  ReportStepTime("forward", start);
}

void LSTMLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                            const std::vector<Blob*>& bottom) {
  const auto start = std::chrono::steady_clock::now();
  const int n = streams_, h = hidden_;
  const size_t per_step = static_cast<size_t>(n) * h;
  const float* cont = bottom[1]->data();
  const float* w_hc = blobs_[recurrent_param_]->data();
  const float* dh_top = top[0]->diff();
  d_gates_.resize(acts_.size());
  // The gradients reaching h_t and c_t from step t + 1 (at first, from the
  // exposed final states).
  dh_carry_.assign(per_step, 0.f);
  dc_carry_.assign(per_step, 0.f);
  dh_.resize(per_step);
  if (const float* d = FinalStateDiff(top, 0)) std::copy_n(d, per_step, dh_carry_.data());
  if (const float* d = FinalStateDiff(top, 1)) std::copy_n(d, per_step, dc_carry_.data());
  ParallelFor(n, kStreamsPerPart, [&](int, int begin, int end) {
    const int rows = end - begin;
    const size_t row = static_cast<size_t>(begin) * h, count = static_cast<size_t>(rows) * h;
    float *dh = dh_.data() + row, *dh_carry = dh_carry_.data() + row;
    float* dc_carry = dc_carry_.data() + row;
    for (int t = steps_ - 1; t >= 0; --t) {
      const size_t at = t * per_step + row;
      for (size_t j = 0; j < count; ++j) dh[j] = dh_top[at + j] + dh_carry[j];
      const float* c_last = t == 0 ? c_initial_.data() + row : cells_.data() + at - per_step;
      float* dg = d_gates_.data() + 4 * at;
      LstmCellBackward(rows, h, cont + t * n + begin, c_last, acts_.data() + 4 * at,
                       tanh_cells_.data() + at, dh, dc_carry, dg, dc_carry);
      // h_{t-1}' = cont_t h_{t-1}: its gradient W_hc^T dg, masked by cont_t.
      math::Gemm(false, false, rows, h, 4 * h, 1.f, dg, w_hc, 0.f, dh);
      Continue(rows, h, cont + t * n + begin, dh, dh_carry);
    }
  });
  if (float* d = InitialStateDiff(propagate_down, bottom, 0)) {
    std::copy_n(dh_carry_.data(), per_step, d);
  }
  if (float* d = InitialStateDiff(propagate_down, bottom, 1)) {
    std::copy_n(dc_carry_.data(), per_step, d);
  }
  d_gates_t_.resize(d_gates_.size());
  TransposeRows(steps_ * n, 4 * h, d_gates_.data(), d_gates_t_.data());
  if (param_propagate_down(recurrent_param_)) {
    AccumulateWeightGradient(4 * h, h, steps_ * n, d_gates_t_.data(), h_prev_.data(),
                             blobs_[recurrent_param_]->mutable_diff());
  }
  ProjectInputsBackward(d_gates_.data(), d_gates_t_.data(), propagate_down, bottom);
  ReportStepTime("backward", start);
}

STRATA_REGISTER_LAYER(LSTM);

}  // namespace strata
