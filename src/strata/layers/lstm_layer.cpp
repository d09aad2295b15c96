#include "strata/layers/lstm_layer.hpp"

#include <algorithm>
#include <chrono>

#include "strata/layer_registry.hpp"
#include "strata/math.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

namespace {

// LstmCellForward (lstm_unit_layer.hpp) for units [j0, j1) on feature-major
// blocks: gates (4h rows i, f, o, g, replaced by their activations), c_prev,
// c, tanh_c, h_out (h rows each) of `cols` streams.
void CellForward(int h, int j0, int j1, int cols, const float* cont, StepBlock c_prev,
                 StepBlock gates, StepBlock c, StepBlock tanh_c, StepBlock h_out) {
  for (int j = j0; j < j1; ++j) {
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

// LstmCellBackward for units [j0, j1) on feature-major blocks: writes the
// pre-activations' gradient into d_gates (4h rows) and dc_prev (may be
// dc_next's block).
void CellBackward(int h, int j0, int j1, int cols, const float* cont, StepBlock c_prev,
                  StepBlock acts, StepBlock tanh_c, StepBlock dh, StepBlock dc_next,
                  StepBlock d_gates, StepBlock dc_prev) {
  for (int j = j0; j < j1; ++j) {
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

// The threads split the hidden units: each keeps its units' rows of W_hc
// (packed once per pass, small enough to stay in its core's cache) and runs
// their gates and cells for every stream; one parallel region per step, as
// the next step needs every unit's h. Each step's values lie together,
// feature-major (a row per gate or unit of the streams' values), so the
// recurrent product is W_hc's rows times the streams' columns of h_{t-1}'.
void LSTMLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const auto start = std::chrono::steady_clock::now();
  CheckCont(*bottom[1]);
  const int n = streams_, h = hidden_, g = 4 * h;
  const size_t nn = static_cast<size_t>(n), states = nn * h;
  ProjectInputs(bottom, acts_.data());
  const float* cont = bottom[1]->data();
  // Backward needs c_0, and FinishState may overwrite the carried one.
  const float* c_initial = InitialState(bottom, 1);
  c_initial_.assign(c_initial, c_initial + states);
  std::vector<float> h0(states);
  c0_.resize(states);
  ToColumns(n, h, InitialState(bottom, 0), h, StepBlock{h0.data(), nn});
  ToColumns(n, h, c_initial_.data(), h, StepBlock{c0_.data(), nn});
  const float* w_hc = blobs_[recurrent_param_]->data();
  w_hc_parts_.resize(4 * static_cast<size_t>(ParallelParts(h, kUnitsPerPart)));
  // h_{t-1}' (own units) = cont_t h_{t-1}, kept for W_hc's gradient.
  const auto carry = [&](int u0, int u1, int t, StepBlock h_last) {
    ContinueColumns(u1 - u0, n, cont + static_cast<size_t>(t) * n,
                    StepBlock{h_last.row(u0), h_last.ld},
                    StepBlock{Step(h_prev_.data(), h, t).row(u0), nn});
  };
  ParallelFor(h, kUnitsPerPart, [&](int part, int u0, int u1) {
    for (int q = 0; q < 4; ++q) {
      w_hc_parts_[4 * part + q].Pack(false, u1 - u0, h, w_hc + static_cast<size_t>(q * h + u0) * h);
    }
    carry(u0, u1, 0, StepBlock{h0.data(), nn});
  });
  for (int t = 0; t < steps_; ++t) {
    const StepBlock acts = Step(acts_.data(), g, t), h_t = Step(hidden_fm_.data(), h, t);
    ParallelFor(h, kUnitsPerPart, [&](int part, int u0, int u1) {
      for (int q = 0; q < 4; ++q) {
        math::GemmPacked(w_hc_parts_[4 * part + q], n, Step(h_prev_.data(), h, t).p, n, nullptr,
                         true, acts.row(q * h + u0), n);
      }
      const StepBlock c_last = t == 0 ? StepBlock{c0_.data(), nn} : Step(cells_.data(), h, t - 1);
      CellForward(h, u0, u1, n, cont + t * nn, c_last, acts, Step(cells_.data(), h, t),
                  Step(tanh_cells_.data(), h, t), h_t);
      if (t + 1 < steps_) carry(u0, u1, t + 1, h_t);
    });
  }
  float* out = top[0]->mutable_data();
  TransposeSteps(steps_, h, n, hidden_fm_.data(), out);
  if (steps_ > 0) {
    FinishState(top, 0, out + (steps_ - 1) * states);
    std::vector<float> c_final(states);
    FromColumns(n, h, Step(cells_.data(), h, steps_ - 1), c_final.data(), h);
    FinishState(top, 1, c_final.data());
  }
  ReportStepTime("forward", start);
}

void LSTMLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                            const std::vector<Blob*>& bottom) {
  const auto start = std::chrono::steady_clock::now();
  const int n = streams_, h = hidden_, g = 4 * h;
  const size_t nn = static_cast<size_t>(n), states = nn * h;
  const float* cont = bottom[1]->data();
  float* dh_initial = InitialStateDiff(propagate_down, bottom, 0);
  float* dc_initial = InitialStateDiff(propagate_down, bottom, 1);
  d_gates_.resize(acts_.size());
  // The output's gradient, step-major, in hidden_fm_ (Backward needs no h).
  TransposeSteps(steps_, n, h, top[0]->diff(), hidden_fm_.data());
  // The gradients reaching h_t through step t + 1's recurrence (before and
  // after cont) and c_t from step t + 1, feature-major (H x N).
  std::vector<float> carry(3 * states, 0.f);
  const StepBlock dh_prev{carry.data(), nn}, dh_carry{carry.data() + states, nn};
  const StepBlock dc_carry{carry.data() + 2 * states, nn};
  if (const float* d = FinalStateDiff(top, 0)) ToColumns(n, h, d, h, dh_carry);
  if (const float* d = FinalStateDiff(top, 1)) ToColumns(n, h, d, h, dc_carry);
  // Each part's rows of W_hc^T (its units' columns of W_hc), packed.
  const float* w_hc = blobs_[recurrent_param_]->data();
  w_hc_t_parts_.resize(static_cast<size_t>(ParallelParts(h, kUnitsPerPart)));
  ParallelFor(h, kUnitsPerPart, [&](int part, int u0, int u1) {
    std::vector<float> columns(static_cast<size_t>(g) * (u1 - u0));
    for (int r = 0; r < g; ++r) {
      std::copy_n(w_hc + static_cast<size_t>(r) * h + u0, u1 - u0,
                  columns.data() + static_cast<size_t>(r) * (u1 - u0));
    }
    w_hc_t_parts_[part].Pack(true, u1 - u0, g, columns.data());
  });
  // dh_prev (own rows) = W_hc^T d_gates of step t, and its part of the carry.
  const auto recur = [&](int part, int u0, int u1, int t) {
    math::GemmPacked(w_hc_t_parts_[part], n, Step(d_gates_.data(), g, t).p, n, nullptr, false,
                     dh_prev.row(u0), n);
    ContinueColumns(u1 - u0, n, cont + t * nn, StepBlock{dh_prev.row(u0), nn},
                    StepBlock{dh_carry.row(u0), nn});
  };
  for (int t = steps_ - 1; t >= 0; --t) {
    const StepBlock dh = Step(hidden_fm_.data(), h, t);
    ParallelFor(h, kUnitsPerPart, [&](int part, int u0, int u1) {
      if (t + 1 < steps_) recur(part, u0, u1, t + 1);
      for (int j = u0; j < u1; ++j) math::Axpy(n, 1.f, dh_carry.row(j), dh.row(j));
      const StepBlock c_last = t == 0 ? StepBlock{c0_.data(), nn} : Step(cells_.data(), h, t - 1);
      CellBackward(h, u0, u1, n, cont + t * nn, c_last, Step(acts_.data(), g, t),
                   Step(tanh_cells_.data(), h, t), dh, dc_carry, Step(d_gates_.data(), g, t),
                   dc_carry);
    });
  }
  if (dh_initial) {
    if (steps_ > 0) {
      ParallelFor(h, kUnitsPerPart, [&](int part, int u0, int u1) { recur(part, u0, u1, 0); });
    }
    FromColumns(n, h, dh_carry, dh_initial, h);
  }
  if (dc_initial) FromColumns(n, h, dc_carry, dc_initial, h);
  std::vector<GradientTerm> terms;
  if (param_propagate_down(recurrent_param_)) {
    // h_{t-1}' a row per step and stream, in cells_ (Backward is done with c).
    TransposeSteps(steps_, h, n, h_prev_.data(), cells_.data());
    terms.push_back({cells_.data(), h, blobs_[recurrent_param_]->mutable_diff()});
  }
  ProjectInputsBackward(d_gates_.data(), propagate_down, bottom, terms);
  ReportStepTime("backward", start);
}

STRATA_REGISTER_LAYER(LSTM);

}  // namespace strata
