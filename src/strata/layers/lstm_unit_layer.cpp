#include "strata/layers/lstm_unit_layer.hpp"

#include <algorithm>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

void LstmCellForward(int n, int h, const float* cont, const float* c_prev, float* gates, float* c,
                     float* tanh_c, float* h_out) {
  for (int r = 0; r < n; ++r) {
    float* x = gates + static_cast<size_t>(r) * 4 * h;
    const size_t at = static_cast<size_t>(r) * h;
    const float keep = cont ? cont[r] : 1.f;
    math::Sigmoid(3 * h, x, x);
    math::Tanh(h, x + 3 * h, x + 3 * h);
    const float *i = x, *f = x + h, *o = x + 2 * h, *g = x + 3 * h;
    for (int j = 0; j < h; ++j) c[at + j] = keep * f[j] * c_prev[at + j] + i[j] * g[j];
    math::Tanh(h, c + at, tanh_c + at);
    for (int j = 0; j < h; ++j) h_out[at + j] = o[j] * tanh_c[at + j];
  }
}

void LstmCellBackward(int n, int h, const float* cont, const float* c_prev, const float* acts,
                      const float* tanh_c, const float* dh, const float* dc_next, float* d_gates,
                      float* dc_prev) {
  for (int r = 0; r < n; ++r) {
    const float* x = acts + static_cast<size_t>(r) * 4 * h;
    float* dx = d_gates + static_cast<size_t>(r) * 4 * h;
    const size_t at = static_cast<size_t>(r) * h;
    const float keep = cont ? cont[r] : 1.f;
    const float *i = x, *f = x + h, *o = x + 2 * h, *g = x + 3 * h;
    for (int j = 0; j < h; ++j) {
      const float t = tanh_c[at + j];
      const float dc = (dc_next ? dc_next[at + j] : 0.f) + dh[at + j] * o[j] * (1.f - t * t);
      const float di = dc * g[j], df = dc * keep * c_prev[at + j], d_o = dh[at + j] * t;
      const float dg = dc * i[j];
      dx[j] = di * i[j] * (1.f - i[j]);
      dx[h + j] = df * f[j] * (1.f - f[j]);
      dx[2 * h + j] = d_o * o[j] * (1.f - o[j]);
      dx[3 * h + j] = dg * (1.f - g[j] * g[j]);
      if (dc_prev) dc_prev[at + j] = dc * keep * f[j];
    }
  }
}

float* LSTMUnitLayer::Scratch(std::vector<float>* buffer) const {
  buffer->resize(acts_.size());
  return buffer->data();
}

void LSTMUnitLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const Blob &c_prev = *bottom[0], &gates = *bottom[1], &cont = *bottom[2];
  if (c_prev.num_axes() != 3 || c_prev.shape(0) != 1) {
    throw ShapeError("c_prev has shape " + c_prev.shape_string() + "; it must be (1,N,H)");
  }
  streams_ = c_prev.shape(1);
  hidden_ = c_prev.shape(2);
  if (gates.shape() != std::vector<int>{1, streams_, 4 * hidden_}) {
    throw ShapeError("gates have shape " + gates.shape_string() + "; with c_prev " +
                     c_prev.shape_string() + " they must be (1," + std::to_string(streams_) + "," +
                     std::to_string(4 * hidden_) + ")");
  }
  if (cont.shape() != std::vector<int>{1, streams_}) {
    throw ShapeError("cont has shape " + cont.shape_string() + "; with c_prev " +
                     c_prev.shape_string() + " it must be (1," + std::to_string(streams_) + ")");
  }
  top[0]->Reshape(c_prev.shape());
  top[1]->Reshape(c_prev.shape());
  acts_.resize(static_cast<size_t>(gates.count()));
  tanh_c_.resize(static_cast<size_t>(c_prev.count()));
}

void LSTMUnitLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  std::copy_n(bottom[1]->data(), bottom[1]->count(), acts_.data());
  LstmCellForward(streams_, hidden_, bottom[2]->data(), bottom[0]->data(), acts_.data(),
                  top[0]->mutable_data(), tanh_c_.data(), top[1]->mutable_data());
}

void LSTMUnitLayer::BackwardCpu(const std::vector<Blob*>& top,
                                const std::vector<bool>& propagate_down,
                                const std::vector<Blob*>& bottom) {
  if (!propagate_down[0] && !propagate_down[1]) return;
  // The gate gradients go straight into the bottom's diff when it wants them.
  float* d_gates = propagate_down[1] ? bottom[1]->mutable_diff() : Scratch(&d_gates_);
  LstmCellBackward(streams_, hidden_, bottom[2]->data(), bottom[0]->data(), acts_.data(),
                   tanh_c_.data(), top[1]->diff(), top[0]->diff(), d_gates,
                   propagate_down[0] ? bottom[0]->mutable_diff() : nullptr);
}

STRATA_REGISTER_LAYER(LSTMUnit);

}  // namespace strata
