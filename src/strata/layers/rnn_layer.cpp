#include "strata/layers/rnn_layer.hpp"

#include <algorithm>
#include <chrono>

#include "strata/layer_registry.hpp"
#include "strata/math.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

std::vector<Layer::ParamBlobSpec> RNNLayer::RecurrentParamSpecs() const {
  const FillerParameter* weights = &layer_param_.recurrent_param().weight_filler();
  return {{"W_hh", {hidden_, hidden_}, weights},
          {"W_ho", {hidden_, hidden_}, weights},
          {"b_o", {hidden_}, &layer_param_.recurrent_param().bias_filler()}};
}

void RNNLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  RecurrentLayer::Reshape(bottom, top);
  const size_t count = static_cast<size_t>(steps_) * streams_ * hidden_;
  hidden_states_.resize(count);
  h_prev_.resize(count);
  outputs_.resize(count);
}

// Each thread runs all the steps of its own streams, on step-major values
// (as LSTM's, lstm_layer.cpp), with W_hh packed once per pass.
void RNNLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const auto start = std::chrono::steady_clock::now();
  CheckCont(*bottom[1]);
  const int n = streams_, h = hidden_;
  ProjectInputs(bottom, hidden_states_.data());
  w_hh_.Pack(false, h, h, blobs_[recurrent_param_]->data());
  const float* cont = bottom[1]->data();
  const float* h_initial = InitialState(bottom, 0);
  ParallelFor(n, kStreamsPerPart, [&](int, int begin, int end) {
    const int width = end - begin;
    std::vector<float> initial(static_cast<size_t>(h) * width);
    const StepBlock h0{initial.data(), static_cast<size_t>(width)};
    ToColumns(width, h, h_initial + static_cast<size_t>(begin) * h, h, h0);
    for (int t = 0; t < steps_; ++t) {
      const StepBlock h_last = t == 0 ? h0 : Step(hidden_states_.data(), h, t - 1, begin);
      const StepBlock h_prev = Step(h_prev_.data(), h, t, begin);
      const StepBlock state = Step(hidden_states_.data(), h, t, begin);
      ContinueColumns(h, width, cont + static_cast<size_t>(t) * n + begin, h_last, h_prev);
      math::GemmPacked(w_hh_, width, h_prev.p, n, nullptr, true, state.p, n);
      for (int j = 0; j < h; ++j) math::Tanh(width, state.row(j), state.row(j));
    }
  });
  // The outputs of all steps in one product: o = tanh(W_ho h + b_o).
  w_ho_.Pack(false, h, h, blobs_[recurrent_param_ + 1]->data());
  const float* b_o = blobs_[recurrent_param_ + 2]->data();
  ProductPerStep(w_ho_, hidden_states_.data(), b_o, outputs_.data());
  math::Tanh(static_cast<int>(outputs_.size()), outputs_.data(), outputs_.data());
  TransposeSteps(steps_, h, n, outputs_.data(), top[0]->mutable_data());
  if (steps_ > 0) {
    std::vector<float> h_final(static_cast<size_t>(n) * h);
    FromColumns(n, h, Step(hidden_states_.data(), h, steps_ - 1), h_final.data(), h);
    FinishState(top, 0, h_final.data());
  }
  ReportStepTime("forward", start);
}

void RNNLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                           const std::vector<Blob*>& bottom) {
  const auto start = std::chrono::steady_clock::now();
  const int n = streams_, h = hidden_;
  const size_t count = static_cast<size_t>(steps_) * n * h;
  const float* cont = bottom[1]->data();
  // Through o = tanh(W_ho h + b_o), for all steps at once.
  d_out_.resize(count);
  d_state_.resize(count);
  rows_.resize(count);
  std::vector<float>& d_out = d_out_;
  std::vector<float>& d_state = d_state_;
  TransposeSteps(steps_, n, h, top[0]->diff(), d_out.data());
  for (size_t j = 0; j < count; ++j) d_out[j] *= 1.f - outputs_[j] * outputs_[j];
  // h_t (here) and h_{t-1}' (below) a row per step and stream, in rows_, for
  // the weight gradients.
  if (param_propagate_down(recurrent_param_ + 1)) {
    TransposeSteps(steps_, h, n, hidden_states_.data(), rows_.data());
    AccumulateGradients(h, d_out.data(),
                        {{rows_.data(), h, blobs_[recurrent_param_ + 1]->mutable_diff()}});
  }
  if (param_propagate_down(recurrent_param_ + 2)) {
    AccumulateBiasGradient(h, d_out.data(), blobs_[recurrent_param_ + 2]->mutable_diff());
  }
  w_ho_t_.Pack(true, h, h, blobs_[recurrent_param_ + 1]->data());
  ProductPerStep(w_ho_t_, d_out.data(), nullptr, d_state.data());
  // Then back through time: d_state becomes the pre-activation gradient.
  w_hh_t_.Pack(true, h, h, blobs_[recurrent_param_]->data());
  const float* d_final = FinalStateDiff(top, 0);
  float* d_initial = InitialStateDiff(propagate_down, bottom, 0);
  ParallelFor(n, kStreamsPerPart, [&](int, int begin, int end) {
    const int width = end - begin;
    const size_t w = static_cast<size_t>(width);
    std::vector<float> buffer(2 * w * h, 0.f);
    const StepBlock carry{buffer.data(), w}, d_prev{buffer.data() + w * h, w};
    if (d_final) ToColumns(width, h, d_final + static_cast<size_t>(begin) * h, h, carry);
    for (int t = steps_ - 1; t >= 0; --t) {
      const StepBlock da = Step(d_state.data(), h, t, begin);
      const StepBlock state = Step(hidden_states_.data(), h, t, begin);
      for (int j = 0; j < h; ++j) {
        float* d = da.row(j);
        const float *s = state.row(j), *c = carry.row(j);
        for (int k = 0; k < width; ++k) d[k] = (d[k] + c[k]) * (1.f - s[k] * s[k]);
      }
      math::GemmPacked(w_hh_t_, width, da.p, n, nullptr, false, d_prev.p, width);
      ContinueColumns(h, width, cont + static_cast<size_t>(t) * n + begin, d_prev, carry);
    }
    if (d_initial) FromColumns(width, h, carry, d_initial + static_cast<size_t>(begin) * h, h);
  });
  std::vector<GradientTerm> terms;
  if (param_propagate_down(recurrent_param_)) {
    TransposeSteps(steps_, h, n, h_prev_.data(), rows_.data());
    terms.push_back({rows_.data(), h, blobs_[recurrent_param_]->mutable_diff()});
  }
  ProjectInputsBackward(d_state.data(), propagate_down, bottom, terms);
  ReportStepTime("backward", start);
}

STRATA_REGISTER_LAYER(RNN);

}  // namespace strata
