// Shared machinery of RNN and LSTM (not a layer type; Caffe's "Recurrent" is
// abstract too).
//
// Bottoms: x (T x N x ..., time first), cont (T x N: 0 where a sequence
// starts, so the state resets there, 1 where it continues), an optional
// x_static (N x ...: one input for every step of stream n), and with
// recurrent_param.expose_hidden the initial states (1 x N x H each: h_0, and
// c_0 for LSTM). Tops: the per-step output (T x N x num_output) and with
// expose_hidden the final states (h_T, and c_T for LSTM).
//
// As in Caffe, without expose_hidden the final states of one forward pass are
// the initial states of the next (cont = 0 resets them), and no gradient
// crosses from one batch into the previous one.
//
// The input projections of all T steps are one product (W x + b), and so are
// their gradients; only the recurrent product runs step by step. Inside, the
// values are step-major and each step's block feature-major (StepBlock), so
// that every product is Strata's packed one with the weights packed once per
// pass, and a step's values lie together.
// Params, in Caffe's order: W_x (G x D), b (G), W_static (G x D_static) with
// x_static, then the subclass's recurrent weights (G: the gate width).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "strata/layer.hpp"
#include "strata/packed_gemm.hpp"

namespace strata {

// A step's values of some streams, feature-major (how RNN and LSTM keep
// them): rows (gates or units) of the streams' values, row r at p + r * ld.
// A pass's values are the T steps' blocks (rows x N) one after the other:
// RecurrentLayer::Step.
struct StepBlock {
  float* p;
  size_t ld;
  float* row(int r) const { return p + static_cast<size_t>(r) * ld; }
};

class RecurrentLayer : public Layer {
 public:
  using Layer::Layer;
  // The exact counts, which depend on expose_hidden, are checked in
  // LayerSetUp with the blobs' names.
  int MinBottomBlobs() const override { return 2; }
  int MaxBottomBlobs() const override { return 3 + num_states(); }
  int MinTopBlobs() const override { return 1; }
  int MaxTopBlobs() const override { return 1 + num_states(); }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index != 1; }
  std::vector<std::string> ParamFields() const override { return {"recurrent_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  double ForwardFlops(const std::vector<Blob*>& bottom,
                      const std::vector<Blob*>& top) const override;
  int TimeSteps() const override { return steps_; }

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

  // The recurrent state blobs: 1 (h) for RNN, 2 (h, c) for LSTM.
  virtual int num_states() const = 0;
  // The state names for messages: "h" or "h, c".
  virtual const char* state_names() const = 0;
  // Width of the input projection: 4H for LSTM, H for RNN.
  virtual int gate_width() const = 0;
  // Shapes and fillers of the params after W_x, b and W_static.
  virtual std::vector<ParamBlobSpec> RecurrentParamSpecs() const = 0;
  // Multiply-adds per step and stream beyond the input projection.
  virtual double StepFlops() const = 0;
  int exposed_states() const {
    return layer_param_.recurrent_param().expose_hidden() ? num_states() : 0;
  }

  // Step t's block (rows x N) of a pass's values at `base`, from stream
  // `first` on.
  StepBlock Step(float* base, int rows, int t, int first = 0) const {
    const size_t n = static_cast<size_t>(streams_);
    return {base + static_cast<size_t>(t) * rows * n + first, n};
  }

  // The input projections of all steps, step-major: step t's block of acts
  // (G x N) = W_x x_t + b (+ W_static x_static), W_x packed once per pass and
  // x read as columns (transposed into x_columns_).
  void ProjectInputs(const std::vector<Blob*>& bottom, float* acts);
  // One weight gradient: diff (g x k) += d (g x T*N, step-major) * rows
  // (T*N x k), rows row-major: the weights' inputs, a row per step and stream.
  struct GradientTerm {
    const float* rows;
    int k;
    float* diff;
  };
  // The gradients of ProjectInputs from d_acts (G x T*N, step-major): param diffs
  // accumulate (W_x's with `terms`, which share d_acts), x's and x_static's
  // diffs are written where asked for.
  void ProjectInputsBackward(const float* d_acts, const std::vector<bool>& propagate_down,
                             const std::vector<Blob*>& bottom,
                             std::vector<GradientTerm> terms = {});
  // Every term for one step-major d (g x T*N), whose rows each thread packs
  // once for its share (Strata's packed product; each entry summed in a
  // fixed order).
  void AccumulateGradients(int g, const float* d, const std::vector<GradientTerm>& terms);
  // For each of `steps` blocks of rows x cols values: out's block (cols x
  // rows) = in's block^T, over the pool. Between time-first rows (T x N x
  // ...) and step-major blocks.
  static void TransposeSteps(int steps, int rows, int cols, const float* in, float* out);
  // For every step t, step-major: c_t (a's rows x N) = a * b_t (a's depth x
  // N) (+ row_bias along each row, if not null), split over the pool.
  void ProductPerStep(const math::PackedMatrix& a, const float* b, const float* row_bias,
                      float* c) const;
  // diff (g) += the row sums of the step-major d (g x T*N).
  void AccumulateBiasGradient(int g, const float* d, float* diff) const;
  // Throws DataError naming the layer unless every cont value is 0 or 1.
  void CheckCont(const Blob& cont) const;
  // The initial value of state s (N x H): the exposed bottom, or the state
  // carried from the last pass.
  const float* InitialState(const std::vector<Blob*>& bottom, int s) const;
  // After a forward pass: state s's final value (N x H) becomes top 1 + s
  // with expose_hidden, else the next pass's initial state.
  void FinishState(const std::vector<Blob*>& top, int s, const float* final_state);
  // Where the gradient of state s's initial value goes: the exposed bottom's
  // diff when it is asked for, else nowhere (nullptr).
  float* InitialStateDiff(const std::vector<bool>& propagate_down, const std::vector<Blob*>& bottom,
                          int s) const;
  // The gradient reaching state s's final value from top 1 + s, or nullptr.
  const float* FinalStateDiff(const std::vector<Blob*>& top, int s) const;
  // Logs the time per step of a pass begun at `start` when
  // recurrent_param.debug_info is set.
  void ReportStepTime(const char* pass, std::chrono::steady_clock::time_point start) const;

  // cols streams' h values (row-major, leading dimension ld_in) into a block
  // of h rows, and back.
  static void ToColumns(int cols, int h, const float* in, size_t ld_in, StepBlock out);
  static void FromColumns(int cols, int h, StepBlock in, float* out, size_t ld_out);
  // out = in (h rows) with column k scaled by cont[k]: a state carried into
  // step t, or its gradient going back.
  static void ContinueColumns(int h, int cols, const float* cont, StepBlock in, StepBlock out);

  // Streams are independent: threads take at least this many each.
  static constexpr int kStreamsPerPart = 8;

  int steps_ = 0, streams_ = 0;  // T, N
  int input_dim_ = 0;            // D: x's values per step and stream
  int static_dim_ = 0;           // x_static's values per stream (0: none)
  int hidden_ = 0;               // H (num_output)
  int recurrent_param_ = 2;      // index of the first RecurrentParamSpecs blob
  bool has_static_ = false;

 private:
  int static_bottom() const { return 2; }
  int state_bottom(int s) const { return 2 + (has_static_ ? 1 : 0) + s; }
  std::vector<std::vector<float>> carried_;  // per state, N x H
  // x (D x T*N, step-major) for ProjectInputs' product, and dx so for
  // Backward's.
  std::vector<float> x_columns_, dx_columns_;
  std::vector<math::PackedMatrix> packed_parts_;  // AccumulateGradients' per thread
  math::PackedMatrix w_x_, w_x_t_;                // W_x and W_x^T, packed once per pass
};

}  // namespace strata
