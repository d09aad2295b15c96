#include "strata/layers/lstm_layer.hpp"

#include <algorithm>
#include <chrono>

#include "strata/layer_registry.hpp"
#include "strata/math.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

namespace {

// LstmCellForward (lstm_unit_layer.hpp) on feature-major blocks: gates (4h
// rows i, f, o, g, replaced by their activations), c_prev, c, tanh_c, h_out
// (h rows each) of `cols` streams.
void CellForward(int h, int cols, const float* cont, StepBlock c_prev, StepBlock gates, StepBlock c,
                 StepBlock tanh_c, StepBlock h_out) {
  for (int j = 0; j < h; ++j) {
    float *i = gates.row(j), *f = gates.row(h + j), *o = gates.row(2 * h + j);
    float* g = gates.row(3 * h + j);
    math::Sigmoid(cols, i, i);
    math::Sigmoid(cols, f, f);
    math::Sigmoid(cols, o, o);
    math::Tanh(cols, g, g);
    const float* cp = c_prev.row(j);
    float *cj = c.row(j), *tj = tanh_c.row(j), *hj = h_out.row(j);
    for (int k = 0; k < cols; ++k) cj[k] = cont[k] * f[k] * cp[k] + i[k] * g[k];
    math::Tanh(cols, cj, tj);
    for (int k = 0; k < cols; ++k) hj[k] = o[k] * tj[k];
  }
}

// LstmCellBackward on feature-major blocks: writes the pre-activations'
// gradient into d_gates (4h rows) and dc_prev (may be dc_next's block).
void CellBackward(int h, int cols, const float* cont, StepBlock c_prev, StepBlock acts,
                  StepBlock tanh_c, StepBlock dh, StepBlock dc_next, StepBlock d_gates,
                  StepBlock dc_prev) {
  for (int j = 0; j < h; ++j) {
    const float *i = acts.row(j), *f = acts.row(h + j), *o = acts.row(2 * h + j);
    const float *g = acts.row(3 * h + j), *cp = c_prev.row(j), *tc = tanh_c.row(j);
    const float *dhj = dh.row(j), *dcn = dc_next.row(j);
    float *di = d_gates.row(j), *df = d_gates.row(h + j), *d_o = d_gates.row(2 * h + j);
    float *dg = d_gates.row(3 * h + j), *dcp = dc_prev.row(j);
    for (int k = 0; k < cols; ++k) {
      const float t = tc[k];
      const float dc = dcn[k] + dhj[k] * o[k] * (1.f - t * t);
      di[k] = dc * g[k] * i[k] * (1.f - i[k]);
      df[k] = dc * cont[k] * cp[k] * f[k] * (1.f - f[k]);
      d_o[k] = dhj[k] * t * o[k] * (1.f - o[k]);
      dg[k] = dc * i[k] * (1.f - g[k] * g[k]);
      dcp[k] = dc * cont[k] * f[k];
    }
  }
}

}  // namespace

std::vector<Layer::ParamBlobSpec> LSTMLayer::RecurrentParamSpecs() const {
  return {{"W_hc", {4 * hidden_, hidden_}, &layer_param_.recurrent_param().weight_filler()}};
}

void LSTMLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  RecurrentLayer::Reshape(bottom, top);
  const size_t values = static_cast<size_t>(steps_) * streams_ * hidden_;
  acts_.resize(4 * values);
  cells_.resize(values);
  tanh_cells_.resize(values);
  hidden_fm_.resize(values);
  h_prev_.resize(values);
}

// Streams never interact: each thread runs all the steps of its own streams,
// with no synchronisation between steps. Inside, a step's values are
// feature-major (rows of the streams' values, all steps side by side), so
// that the recurrent product is W_hc, packed once per pass, times a few
// columns of h: OpenBLAS repacked W_hc at every step.
void LSTMLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const auto start = std::chrono::steady_clock::now();
  CheckCont(*bottom[1]);
  const int n = streams_, h = hidden_, g = 4 * h;
  const size_t ld = static_cast<size_t>(steps_) * n;  // a feature row: every step's streams
  ProjectInputs(bottom, acts_.data());
  w_hc_.Pack(false, g, h, blobs_[recurrent_param_]->data());
  const float* cont = bottom[1]->data();
  const float* h_initial = InitialState(bottom, 0);
  // Backward needs c_0, and FinishState may overwrite the carried one.
  c_initial_.assign(InitialState(bottom, 1), InitialState(bottom, 1) + static_cast<size_t>(n) * h);
  const float* c_initial = c_initial_.data();
  float* out = top[0]->mutable_data();
  ParallelFor(n, kStreamsPerPart, [&](int, int begin, int end) {
    const int cols = end - begin;
    // The initial states of these streams, feature-major.
    std::vector<float> initial(2 * static_cast<size_t>(h) * cols);
    const StepBlock h0{initial.data(), static_cast<size_t>(cols)};
    const StepBlock c0{initial.data() + static_cast<size_t>(h) * cols, static_cast<size_t>(cols)};
    ToColumns(cols, h, h_initial + static_cast<size_t>(begin) * h, h, h0);
    ToColumns(cols, h, c_initial + static_cast<size_t>(begin) * h, h, c0);
    for (int t = 0; t < steps_; ++t) {
      const size_t at = static_cast<size_t>(t) * n + begin;
      const float* cont_t = cont + at;
      const StepBlock h_last = t == 0 ? h0 : StepBlock{hidden_fm_.data() + at - n, ld};
      const StepBlock c_last = t == 0 ? c0 : StepBlock{cells_.data() + at - n, ld};
      const StepBlock h_prev{h_prev_.data() + at, ld}, gates{acts_.data() + at, ld};
      ContinueColumns(h, cols, cont_t, h_last, h_prev);
      math::GemmPacked(w_hc_, cols, h_prev.p, static_cast<int>(ld), nullptr, true, gates.p,
                       static_cast<int>(ld));
      CellForward(h, cols, cont_t, c_last, gates, StepBlock{cells_.data() + at, ld},
                  StepBlock{tanh_cells_.data() + at, ld}, StepBlock{hidden_fm_.data() + at, ld});
    }
  });
  TransposeRows(h, steps_ * n, hidden_fm_.data(), out);
  if (steps_ > 0) {
    const size_t last = static_cast<size_t>(steps_ - 1) * n;
    FinishState(top, 0, out + last * h);
    std::vector<float> c_final(static_cast<size_t>(n) * h);
    FromColumns(n, h, StepBlock{cells_.data() + last, ld}, c_final.data(), h);
    FinishState(top, 1, c_final.data());
  }
  ReportStepTime("forward", start);
}

void LSTMLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                            const std::vector<Blob*>& bottom) {
  const auto start = std::chrono::steady_clock::now();
  const int n = streams_, h = hidden_, g = 4 * h;
  const size_t ld = static_cast<size_t>(steps_) * n;
  const float* cont = bottom[1]->data();
  const float* dh_top = top[0]->diff();
  const float* dh_final = FinalStateDiff(top, 0);
  const float* dc_final = FinalStateDiff(top, 1);
  float* dh_initial = InitialStateDiff(propagate_down, bottom, 0);
  float* dc_initial = InitialStateDiff(propagate_down, bottom, 1);
  w_hc_t_.Pack(true, h, g, blobs_[recurrent_param_]->data());
  d_gates_t_.resize(acts_.size());
  // The output's gradient as columns, in hidden_fm_ (Backward needs no h).
  TransposeRows(steps_ * n, h, dh_top, hidden_fm_.data());
  ParallelFor(n, kStreamsPerPart, [&](int, int begin, int end) {
    const int cols = end - begin;
    const size_t c = static_cast<size_t>(cols), hc = static_cast<size_t>(h) * c;
    // The gradients reaching h_{t-1}' and h and c from the next step, and
    // c_0, feature-major.
    std::vector<float> buffer(4 * hc, 0.f);
    const StepBlock dh_prev{buffer.data(), c}, dh_carry{buffer.data() + hc, c};
    const StepBlock dc_carry{buffer.data() + 2 * hc, c}, c0{buffer.data() + 3 * hc, c};
    const size_t first = static_cast<size_t>(begin) * h;
    if (dh_final) ToColumns(cols, h, dh_final + first, h, dh_carry);
    if (dc_final) ToColumns(cols, h, dc_final + first, h, dc_carry);
    ToColumns(cols, h, c_initial_.data() + first, h, c0);
    for (int t = steps_ - 1; t >= 0; --t) {
      const size_t at = static_cast<size_t>(t) * n + begin;
      const float* cont_t = cont + at;
      const StepBlock dh{hidden_fm_.data() + at, ld};
      for (int j = 0; j < h; ++j) math::Axpy(cols, 1.f, dh_carry.row(j), dh.row(j));
      const StepBlock c_last = t == 0 ? c0 : StepBlock{cells_.data() + at - n, ld};
      const StepBlock dg{d_gates_t_.data() + at, ld};
      CellBackward(h, cols, cont_t, c_last, StepBlock{acts_.data() + at, ld},
                   StepBlock{tanh_cells_.data() + at, ld}, dh, dc_carry, dg, dc_carry);
      // h_{t-1}' = cont_t h_{t-1}: its gradient W_hc^T dg, masked by cont_t.
      math::GemmPacked(w_hc_t_, cols, dg.p, static_cast<int>(ld), nullptr, false, dh_prev.p, cols);
      ContinueColumns(h, cols, cont_t, dh_prev, dh_carry);
    }
    if (dh_initial) FromColumns(cols, h, dh_carry, dh_initial + first, h);
    if (dc_initial) FromColumns(cols, h, dc_carry, dc_initial + first, h);
  });
  if (param_propagate_down(recurrent_param_)) {
    AccumulateColumnsGradient(g, h, steps_ * n, d_gates_t_.data(), h_prev_.data(),
                              blobs_[recurrent_param_]->mutable_diff());
  }
  ProjectInputsBackward(d_gates_t_.data(), propagate_down, bottom);
  ReportStepTime("backward", start);
}

STRATA_REGISTER_LAYER(LSTM);

}  // namespace strata
