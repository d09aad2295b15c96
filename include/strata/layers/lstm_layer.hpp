// LSTM: a long short-term memory over T time steps, file- and answer-
// compatible with Caffe's. Bottoms, tops and state carrying: recurrent_layer.hpp
// (states h and c). Reads recurrent_param { num_output (H), weight_filler,
// bias_filler, debug_info, expose_hidden }.
// Params: W_xc (4H x D), b_c (4H), [W_xc_static (4H x D_static)], W_hc (4H x H);
// the gates in Caffe's order i, f, o, g. At step t, with h_{t-1}' = cont_t h_{t-1}:
//   gates_t = W_xc x_t + b_c (+ W_xc_static x_static) + W_hc h_{t-1}'
//   c_t, h_t = LSTMUnit(c_{t-1}, gates_t, cont_t) (lstm_unit_layer.hpp)
// Top: h (T x N x H).
#pragma once

#include <vector>

#include "strata/layers/recurrent_layer.hpp"
#include "strata/packed_gemm.hpp"

namespace strata {

class LSTMLayer : public RecurrentLayer {
 public:
  using RecurrentLayer::RecurrentLayer;
  const char* type() const override { return "LSTM"; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  const char* state_names() const override { return "h, c"; }
  int num_states() const override { return 2; }
  int gate_width() const override { return 4 * hidden_; }
  std::vector<ParamBlobSpec> RecurrentParamSpecs() const override;
  double StepFlops() const override { return 2.0 * 4 * hidden_ * hidden_ + 20.0 * hidden_; }
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  // Step-major per pass (RecurrentLayer::Step): the gates' activations (4H
  // rows), c, tanh(c), h and h_{t-1}' (H rows each), kept for Backward,
  // which reuses h's blocks for h's gradient.
  std::vector<float> acts_, cells_, tanh_cells_, hidden_fm_, h_prev_;
  std::vector<float> c_initial_;  // c_0 of the pass (N x H)
  std::vector<float> c0_;         // and feature-major (H x N)
  std::vector<float> d_gates_;    // the gate gradients, step-major (4H rows)
  // Threads split the hidden units, at least this many each.
  static constexpr int kUnitsPerPart = 16;
  // Per part, packed once per pass: its units' rows of W_hc, one matrix per
  // gate, and its rows of W_hc^T.
  std::vector<math::PackedMatrix> w_hc_parts_, w_hc_t_parts_;
};

}  // namespace strata
