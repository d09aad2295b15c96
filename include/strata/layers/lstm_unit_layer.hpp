// LSTMUnit: one step of an LSTM cell, as Caffe's.
// Bottoms: c_prev (1 x N x H), gates (1 x N x 4H: the pre-activations of the
// input, forget, output gates and the candidate, in that order), cont (1 x N).
// Tops: c (1 x N x H), h (1 x N x H):
//   i = sigmoid(x[0:H]), f = sigmoid(x[H:2H]), o = sigmoid(x[2H:3H]),
//   g = tanh(x[3H:4H]), c = cont * f * c_prev + i * g, h = o * tanh(c).
// No gradient reaches cont. Reads no parameters. In place: no.
//
// LstmCellForward/Backward are the same step for N streams at once; the LSTM
// layer runs them at every time step.
#pragma once

#include <vector>

#include "strata/layer.hpp"

namespace strata {

// gates: n rows of 4h pre-activations, replaced by the activations (i, f, o,
// g). cont: n values (nullptr: all 1). c_prev: n x h. Writes c, tanh_c, h
// (n x h each).
void LstmCellForward(int n, int h, const float* cont, const float* c_prev, float* gates, float* c,
                     float* tanh_c, float* h_out);
// From the activations and tanh(c) of the forward step: dh (n x h) reaches
// h, dc_next (n x h, nullptr: none) reaches c from later. Writes d_gates (n x
// 4h, the pre-activations' gradient) and, if not null, dc_prev (n x h).
void LstmCellBackward(int n, int h, const float* cont, const float* c_prev, const float* acts,
                      const float* tanh_c, const float* dh, const float* dc_next, float* d_gates,
                      float* dc_prev);

class LSTMUnitLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "LSTMUnit"; }
  int ExactNumBottomBlobs() const override { return 3; }
  int ExactNumTopBlobs() const override { return 2; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index != 2; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int streams_ = 0, hidden_ = 0;
  float* Scratch(std::vector<float>* buffer) const;  // acts_.size() floats
  std::vector<float> acts_, tanh_c_;                 // kept for Backward
  std::vector<float> d_gates_;  // gate gradients nobody asked for (only c_prev's are)
};

}  // namespace strata
