// RNN: an Elman recurrent net over T time steps, file- and answer-compatible
// with Caffe's. Bottoms, tops and state carrying: recurrent_layer.hpp (state
// h). Reads recurrent_param { num_output (H: the hidden state and the
// output), weight_filler, bias_filler, debug_info, expose_hidden }.
// Params: W_xh (H x D), b_h (H), [W_xh_static (H x D_static)], W_hh (H x H),
// W_ho (H x H), b_o (H). At step t, with h_{t-1}' = cont_t h_{t-1}:
//   h_t = tanh(W_xh x_t + b_h (+ W_xh_static x_static) + W_hh h_{t-1}')
//   o_t = tanh(W_ho h_t + b_o)
// Top: o (T x N x H).
#pragma once

#include <vector>

#include "strata/layers/recurrent_layer.hpp"

namespace strata {

class RNNLayer : public RecurrentLayer {
 public:
  using RecurrentLayer::RecurrentLayer;
  const char* type() const override { return "RNN"; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  const char* state_names() const override { return "h"; }
  int num_states() const override { return 1; }
  int gate_width() const override { return hidden_; }
  std::vector<ParamBlobSpec> RecurrentParamSpecs() const override;
  double StepFlops() const override { return 4.0 * hidden_ * hidden_ + 4.0 * hidden_; }
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  // Step-major (RecurrentLayer::Step, H rows), kept for Backward: h_t,
  // h_{t-1}' and o_t.
  std::vector<float> hidden_states_, h_prev_, outputs_;
  // Backward's gradients of o and h (step-major), and a transposed copy.
  std::vector<float> d_out_, d_state_, rows_;
  math::PackedMatrix w_hh_, w_hh_t_, w_ho_, w_ho_t_;  // packed once per pass
};

}  // namespace strata
