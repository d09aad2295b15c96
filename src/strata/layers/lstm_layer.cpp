#include "strata/layers/lstm_layer.hpp"

#include <algorithm>
#include <chrono>

#include "strata/layer_registry.hpp"
#include "strata/layers/lstm_unit_layer.hpp"
#include "strata/math.hpp"

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

void LSTMLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const auto start = std::chrono::steady_clock::now();
  CheckCont(*bottom[1]);
  const int n = streams_, h = hidden_;
  const size_t per_step = static_cast<size_t>(n) * h;
  ProjectInputs(bottom, acts_.data());
  std::copy_n(InitialState(bottom, 1), per_step, c_initial_.data());
  const float* cont = bottom[1]->data();
  const float* w_hc = blobs_[recurrent_param_]->data();
  float* out = top[0]->mutable_data();
  const float* h_last = InitialState(bottom, 0);
  for (int t = 0; t < steps_; ++t) {
    float* gates = acts_.data() + t * per_step * 4;
    float* h_prev = h_prev_.data() + t * per_step;
    Continue(n, h, cont + t * n, h_last, h_prev);
    math::Gemm(false, true, n, 4 * h, h, 1.f, h_prev, w_hc, 1.f, gates);
    const float* c_last = t == 0 ? c_initial_.data() : cells_.data() + (t - 1) * per_step;
    LstmCellForward(n, h, cont + t * n, c_last, gates, cells_.data() + t * per_step,
                    tanh_cells_.data() + t * per_step, out + t * per_step);
    h_last = out + t * per_step;
  }
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
  std::vector<float> d_gates(acts_.size());
  // The gradients reaching h_t and c_t from step t + 1 (at first, from the
  // exposed final states).
  std::vector<float> dh_carry(per_step, 0.f), dc_carry(per_step, 0.f), dh(per_step);
  if (const float* d = FinalStateDiff(top, 0)) std::copy_n(d, per_step, dh_carry.data());
  if (const float* d = FinalStateDiff(top, 1)) std::copy_n(d, per_step, dc_carry.data());
  for (int t = steps_ - 1; t >= 0; --t) {
    for (size_t j = 0; j < per_step; ++j) dh[j] = dh_top[t * per_step + j] + dh_carry[j];
    const float* c_last = t == 0 ? c_initial_.data() : cells_.data() + (t - 1) * per_step;
    float* dg = d_gates.data() + t * per_step * 4;
    LstmCellBackward(n, h, cont + t * n, c_last, acts_.data() + t * per_step * 4,
                     tanh_cells_.data() + t * per_step, dh.data(), dc_carry.data(), dg,
                     dc_carry.data());
    // h_{t-1}' = cont_t h_{t-1}: its gradient W_hc^T dg, masked by cont_t.
    math::Gemm(false, false, n, h, 4 * h, 1.f, dg, w_hc, 0.f, dh.data());
    Continue(n, h, cont + t * n, dh.data(), dh_carry.data());
  }
  if (float* d = InitialStateDiff(propagate_down, bottom, 0)) {
    std::copy_n(dh_carry.data(), per_step, d);
  }
  if (float* d = InitialStateDiff(propagate_down, bottom, 1)) {
    std::copy_n(dc_carry.data(), per_step, d);
  }
  if (param_propagate_down(recurrent_param_)) {
    math::Gemm(true, false, 4 * h, h, steps_ * n, 1.f, d_gates.data(), h_prev_.data(), 1.f,
               blobs_[recurrent_param_]->mutable_diff());
  }
  ProjectInputsBackward(d_gates.data(), propagate_down, bottom);
  ReportStepTime("backward", start);
}

STRATA_REGISTER_LAYER(LSTM);

}  // namespace strata
