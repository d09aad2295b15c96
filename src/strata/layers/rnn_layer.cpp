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

void RNNLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const auto start = std::chrono::steady_clock::now();
  CheckCont(*bottom[1]);
  const int n = streams_, h = hidden_, rows = steps_ * streams_;
  const size_t per_step = static_cast<size_t>(n) * h;
  ProjectInputs(bottom, hidden_states_.data());
  const float* cont = bottom[1]->data();
  const float* w_hh = blobs_[recurrent_param_]->data();
  const float* h_initial = InitialState(bottom, 0);
  // Streams never interact: each thread runs all the steps of its own.
  ParallelFor(n, kStreamsPerPart, [&](int, int begin, int end) {
    const int rows = end - begin;
    const size_t row = static_cast<size_t>(begin) * h;
    for (int t = 0; t < steps_; ++t) {
      const size_t at = t * per_step + row;
      const float* h_last = t == 0 ? h_initial + row : hidden_states_.data() + at - per_step;
      float* state = hidden_states_.data() + at;
      Continue(rows, h, cont + t * n + begin, h_last, h_prev_.data() + at);
      math::Gemm(false, true, rows, h, h, 1.f, h_prev_.data() + at, w_hh, 1.f, state);
      math::Tanh(rows * h, state, state);
    }
  });
  // The outputs of all steps in one product.
  const float* b_o = blobs_[recurrent_param_ + 2]->data();
  for (int r = 0; r < rows; ++r) std::copy_n(b_o, h, outputs_.data() + static_cast<size_t>(r) * h);
  math::Gemm(false, true, rows, h, h, 1.f, hidden_states_.data(),
             blobs_[recurrent_param_ + 1]->data(), 1.f, outputs_.data());
  math::Tanh(static_cast<int>(outputs_.size()), outputs_.data(), outputs_.data());
  std::copy(outputs_.begin(), outputs_.end(), top[0]->mutable_data());
  if (steps_ > 0) FinishState(top, 0, hidden_states_.data() + (steps_ - 1) * per_step);
  ReportStepTime("forward", start);
}

void RNNLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                           const std::vector<Blob*>& bottom) {
  const auto start = std::chrono::steady_clock::now();
  const int n = streams_, h = hidden_, rows = steps_ * streams_;
  const size_t per_step = static_cast<size_t>(n) * h, count = per_step * steps_;
  const float* cont = bottom[1]->data();
  const float* dy = top[0]->diff();
  // Through o = tanh(W_ho h + b_o), for all steps at once.
  std::vector<float> d_out(count), d_state(count);
  for (size_t j = 0; j < count; ++j) d_out[j] = dy[j] * (1.f - outputs_[j] * outputs_[j]);
  Blob& w_ho = *blobs_[recurrent_param_ + 1];
  std::vector<float> transposed(count);
  TransposeRows(rows, h, d_out.data(), transposed.data());
  if (param_propagate_down(recurrent_param_ + 1)) {
    AccumulateWeightGradient(h, h, rows, transposed.data(), hidden_states_.data(),
                             w_ho.mutable_diff());
  }
  if (param_propagate_down(recurrent_param_ + 2)) {
    AccumulateBiasGradient(h, rows, transposed.data(),
                           blobs_[recurrent_param_ + 2]->mutable_diff());
  }
  math::Gemm(false, false, rows, h, h, 1.f, d_out.data(), w_ho.data(), 0.f, d_state.data());
  // Then back through time: d_state becomes the pre-activation gradient.
  const float* w_hh = blobs_[recurrent_param_]->data();
  std::vector<float> carry(per_step, 0.f), d_prev(per_step);
  if (const float* d = FinalStateDiff(top, 0)) std::copy_n(d, per_step, carry.data());
  ParallelFor(n, kStreamsPerPart, [&](int, int begin, int end) {
    const int rows = end - begin;
    const size_t row = static_cast<size_t>(begin) * h, count = static_cast<size_t>(rows) * h;
    for (int t = steps_ - 1; t >= 0; --t) {
      const size_t at = t * per_step + row;
      float* da = d_state.data() + at;
      const float* state = hidden_states_.data() + at;
      for (size_t j = 0; j < count; ++j) {
        da[j] = (da[j] + carry[row + j]) * (1.f - state[j] * state[j]);
      }
      math::Gemm(false, false, rows, h, h, 1.f, da, w_hh, 0.f, d_prev.data() + row);
      Continue(rows, h, cont + t * n + begin, d_prev.data() + row, carry.data() + row);
    }
  });
  if (float* d = InitialStateDiff(propagate_down, bottom, 0))
    std::copy_n(carry.data(), per_step, d);
  TransposeRows(rows, h, d_state.data(), transposed.data());
  if (param_propagate_down(recurrent_param_)) {
    AccumulateWeightGradient(h, h, rows, transposed.data(), h_prev_.data(),
                             blobs_[recurrent_param_]->mutable_diff());
  }
  ProjectInputsBackward(d_state.data(), transposed.data(), propagate_down, bottom);
  ReportStepTime("backward", start);
}

STRATA_REGISTER_LAYER(RNN);

}  // namespace strata
