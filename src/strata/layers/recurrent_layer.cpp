#include "strata/layers/recurrent_layer.hpp"

#include <glog/logging.h>

#include <algorithm>
#include <cstdio>

#include "strata/errors.hpp"
#include "strata/math.hpp"
#include "strata/packed_gemm.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

void RecurrentLayer::LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const RecurrentParameter& p = layer_param_.recurrent_param();
  if (p.num_output() == 0) {
    throw ConfigError("recurrent_param.num_output must be set and positive");
  }
  hidden_ = static_cast<int>(p.num_output());
  const int states = exposed_states();
  const int nb = static_cast<int>(bottom.size()), nt = static_cast<int>(top.size());
  if (nb < 2 + states || nb > 3 + states || nt != 1 + states) {
    const std::string names = state_names();
    throw ConfigError(std::string(type()) +
                      (states > 0 ? " with expose_hidden takes bottoms x, cont, " +
                                        std::string("[x_static,] the initial ") + names +
                                        " and tops the output and the final " + names
                                  : " takes bottoms x, cont[, x_static] and one top") +
                      "; got " + std::to_string(nb) + " bottoms and " + std::to_string(nt) +
                      " tops");
  }
  has_static_ = nb > 2 + states;
  if (bottom[0]->num_axes() < 2) {
    throw ShapeError("x has shape " + bottom[0]->shape_string() +
                     "; it needs at least 2 axes (time steps, streams, ...)");
  }
  input_dim_ = bottom[0]->count(2);
  if (has_static_) {
    if (bottom[2]->num_axes() < 1) throw ShapeError("x_static needs at least 1 axis (streams)");
    static_dim_ = bottom[2]->count(1);
  }
  const int g = gate_width();
  std::vector<ParamBlobSpec> specs = {{"W_x", {g, input_dim_}, &p.weight_filler()},
                                      {"b", {g}, &p.bias_filler()}};
  if (has_static_) specs.push_back({"W_static", {g, static_dim_}, &p.weight_filler()});
  recurrent_param_ = static_cast<int>(specs.size());
  for (const ParamBlobSpec& spec : RecurrentParamSpecs()) specs.push_back(spec);
  SetUpParamBlobs(specs);
  param_propagate_down_.assign(blobs_.size(), true);
}

void RecurrentLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const Blob& x = *bottom[0];
  const Blob& cont = *bottom[1];
  if (x.num_axes() < 2 || x.count(2) != input_dim_) {
    throw ShapeError("x has shape " + x.shape_string() + "; the weights expect T x N x " +
                     std::to_string(input_dim_) + " values");
  }
  steps_ = x.shape(0);
  streams_ = x.shape(1);
  if (cont.num_axes() != 2 || cont.shape(0) != steps_ || cont.shape(1) != streams_) {
    throw ShapeError("cont has shape " + cont.shape_string() + " but x " + x.shape_string() +
                     " needs (" + std::to_string(steps_) + "," + std::to_string(streams_) +
                     "): one 0/1 per time step and stream");
  }
  if (has_static_) {
    const Blob& s = *bottom[static_bottom()];
    if (s.num_axes() < 1 || s.shape(0) != streams_ || s.count(1) != static_dim_) {
      throw ShapeError("x_static has shape " + s.shape_string() + "; it needs " +
                       std::to_string(streams_) + " streams of " + std::to_string(static_dim_) +
                       " values");
    }
  }
  const std::vector<int> state_shape{1, streams_, hidden_};
  for (int s = 0; s < exposed_states(); ++s) {
    const Blob& b = *bottom[state_bottom(s)];
    if (b.shape() != state_shape) {
      throw ShapeError("initial state bottom " + std::to_string(state_bottom(s)) + " has shape " +
                       b.shape_string() + "; with x " + x.shape_string() + " it must be (1," +
                       std::to_string(streams_) + "," + std::to_string(hidden_) + ")");
    }
  }
  top[0]->Reshape({steps_, streams_, hidden_});
  for (int s = 0; s < exposed_states(); ++s) top[1 + s]->Reshape(state_shape);
  // A carried state starts at zero, and again whenever the streams change.
  carried_.resize(num_states());
  for (auto& state : carried_) {
    if (state.size() != static_cast<size_t>(streams_) * hidden_) {
      state.assign(static_cast<size_t>(streams_) * hidden_, 0.f);
    }
  }
}

double RecurrentLayer::ForwardFlops(const std::vector<Blob*>& /*bottom*/,
                                    const std::vector<Blob*>& /*top*/) const {
  const double rows = static_cast<double>(steps_) * streams_;
  return 2.0 * rows * gate_width() * (input_dim_ + static_dim_) + rows * StepFlops();
}

void RecurrentLayer::ProductPerStep(const math::PackedMatrix& a, const float* b,
                                    const float* row_bias, float* c) const {
  const size_t n = static_cast<size_t>(streams_);
  const size_t b_step = n * a.depth(), c_step = n * a.rows();
  // Whole steps per thread; the sums do not depend on the split.
  ParallelFor(steps_, 1, [&](int, int begin, int end) {
    math::GemmPackedImages(a, end - begin, streams_, b + begin * b_step, b_step, streams_, row_bias,
                           c + begin * c_step, c_step, streams_);
  });
}

void RecurrentLayer::ProjectInputs(const std::vector<Blob*>& bottom, float* acts) {
  const int g = gate_width();
  const size_t step = static_cast<size_t>(g) * streams_;
  x_columns_.resize(static_cast<size_t>(input_dim_) * steps_ * streams_);
  TransposeSteps(steps_, streams_, input_dim_, bottom[0]->data(), x_columns_.data());
  w_x_.Pack(false, g, input_dim_, blobs_[0]->data());
  ProductPerStep(w_x_, x_columns_.data(), blobs_[1]->data(), acts);
  if (!has_static_) return;
  // One product for the streams (G x N, a step's block), added to every step.
  std::vector<float> per_stream(step);
  math::Gemm(false, true, g, streams_, static_dim_, 1.f, blobs_[2]->data(),
             bottom[static_bottom()]->data(), 0.f, per_stream.data());
  ParallelFor(steps_, 1, [&](int, int begin, int end) {
    for (int t = begin; t < end; ++t) {
      math::Axpy(static_cast<int>(step), 1.f, per_stream.data(), acts + t * step);
    }
  });
}

void RecurrentLayer::ProjectInputsBackward(const float* d_acts,
                                           const std::vector<bool>& propagate_down,
                                           const std::vector<Blob*>& bottom,
                                           std::vector<GradientTerm> terms) {
  const int g = gate_width();
  const size_t step = static_cast<size_t>(g) * streams_;
  if (param_propagate_down(0)) {
    terms.push_back({bottom[0]->data(), input_dim_, blobs_[0]->mutable_diff()});
  }
  AccumulateGradients(g, d_acts, terms);
  if (param_propagate_down(1)) AccumulateBiasGradient(g, d_acts, blobs_[1]->mutable_diff());
  if (propagate_down[0]) {
    w_x_t_.Pack(true, input_dim_, g, blobs_[0]->data());
    dx_columns_.resize(x_columns_.size());
    ProductPerStep(w_x_t_, d_acts, nullptr, dx_columns_.data());
    TransposeSteps(steps_, input_dim_, streams_, dx_columns_.data(), bottom[0]->mutable_diff());
  }
  if (!has_static_) return;
  const bool static_diff = propagate_down[static_bottom()];
  if (!param_propagate_down(2) && !static_diff) return;
  // Every step's gate gradient reaches x_static: their sum per stream (G x N).
  std::vector<float> summed(step, 0.f);
  for (int t = 0; t < steps_; ++t) {
    math::Axpy(static_cast<int>(step), 1.f, d_acts + t * step, summed.data());
  }
  const Blob& x_static = *bottom[static_bottom()];
  if (param_propagate_down(2)) {
    math::Gemm(false, false, g, static_dim_, streams_, 1.f, summed.data(), x_static.data(), 1.f,
               blobs_[2]->mutable_diff());
  }
  if (static_diff) {
    math::Gemm(true, false, streams_, static_dim_, g, 1.f, summed.data(), blobs_[2]->data(), 0.f,
               bottom[static_bottom()]->mutable_diff());
  }
}

void RecurrentLayer::AccumulateGradients(int g, const float* d,
                                         const std::vector<GradientTerm>& terms) {
  const int cols = steps_ * streams_;
  if (terms.empty() || g == 0 || cols == 0) return;
  constexpr int kRowsPerPart = 64;
  packed_parts_.resize(static_cast<size_t>(ParallelParts(g, kRowsPerPart)));
  ParallelFor(g, kRowsPerPart, [&](int part, int begin, int end) {
    // This thread's rows of d, packed once for every term.
    math::PackedMatrix& packed = packed_parts_[static_cast<size_t>(part)];
    packed.PackBlocks(end - begin, cols, streams_, static_cast<size_t>(g) * streams_,
                      d + static_cast<size_t>(begin) * streams_);
    for (const GradientTerm& term : terms) {
      math::GemmPacked(packed, term.k, term.rows, term.k, nullptr, true,
                       term.diff + static_cast<size_t>(begin) * term.k, term.k);
    }
  });
}

void RecurrentLayer::ToColumns(int cols, int h, const float* in, size_t ld_in, StepBlock out) {
  for (int k = 0; k < cols; ++k) {
    for (int j = 0; j < h; ++j) out.row(j)[k] = in[k * ld_in + j];
  }
}

void RecurrentLayer::FromColumns(int cols, int h, StepBlock in, float* out, size_t ld_out) {
  for (int j = 0; j < h; ++j) {
    const float* row = in.row(j);
    for (int k = 0; k < cols; ++k) out[k * ld_out + j] = row[k];
  }
}

void RecurrentLayer::ContinueColumns(int h, int cols, const float* cont, StepBlock in,
                                     StepBlock out) {
  for (int j = 0; j < h; ++j) {
    const float* a = in.row(j);
    float* b = out.row(j);
    for (int k = 0; k < cols; ++k) b[k] = cont[k] * a[k];
  }
}

void RecurrentLayer::TransposeSteps(int steps, int rows, int cols, const float* in, float* out) {
  constexpr int kTile = 32;
  const int tiles = (cols + kTile - 1) / kTile;
  const size_t step = static_cast<size_t>(rows) * cols;
  ParallelFor(steps * tiles, 4, [&](int, int begin, int end) {
    for (int i = begin; i < end; ++i) {
      const float* a = in + (i / tiles) * step;
      float* b = out + (i / tiles) * step;
      const int c0 = i % tiles * kTile, c1 = std::min(cols, c0 + kTile);
      for (int r0 = 0; r0 < rows; r0 += kTile) {
        const int r1 = std::min(rows, r0 + kTile);
        for (int c = c0; c < c1; ++c) {
          for (int r = r0; r < r1; ++r) {
            b[static_cast<size_t>(c) * rows + r] = a[static_cast<size_t>(r) * cols + c];
          }
        }
      }
    }
  });
}

void RecurrentLayer::AccumulateBiasGradient(int g, const float* d, float* diff) const {
  const size_t step = static_cast<size_t>(g) * streams_;
  ParallelFor(g, 64, [&](int, int begin, int end) {
    for (int i = begin; i < end; ++i) {
      double sum = 0;
      for (int t = 0; t < steps_; ++t)
        sum += math::SumDouble(streams_, d + t * step + i * streams_);
      diff[i] += static_cast<float>(sum);
    }
  });
}

void RecurrentLayer::CheckCont(const Blob& cont) const {
  const float* c = cont.data();
  for (int i = 0; i < cont.count(); ++i) {
    if (c[i] != 0.f && c[i] != 1.f) {
      throw DataError("layer '" + layer_param_.name() + "': cont " + cont.shape_string() +
                      " holds " + std::to_string(c[i]) + " at step " +
                      std::to_string(i / streams_) + ", stream " + std::to_string(i % streams_) +
                      "; it must be 0 (a sequence starts) or 1 (it continues)");
    }
  }
}

const float* RecurrentLayer::InitialState(const std::vector<Blob*>& bottom, int s) const {
  return exposed_states() > 0 ? bottom[state_bottom(s)]->data() : carried_[s].data();
}

void RecurrentLayer::FinishState(const std::vector<Blob*>& top, int s, const float* final_state) {
  const size_t count = static_cast<size_t>(streams_) * hidden_;
  if (exposed_states() > 0) {
    std::copy_n(final_state, count, top[1 + s]->mutable_data());
  } else {
    std::copy_n(final_state, count, carried_[s].data());
  }
}

float* RecurrentLayer::InitialStateDiff(const std::vector<bool>& propagate_down,
                                        const std::vector<Blob*>& bottom, int s) const {
  if (exposed_states() == 0 || !propagate_down[state_bottom(s)]) return nullptr;
  return bottom[state_bottom(s)]->mutable_diff();
}

const float* RecurrentLayer::FinalStateDiff(const std::vector<Blob*>& top, int s) const {
  return exposed_states() > 0 ? top[1 + s]->diff() : nullptr;
}

void RecurrentLayer::ReportStepTime(const char* pass,
                                    std::chrono::steady_clock::time_point start) const {
  if (!layer_param_.recurrent_param().debug_info() || steps_ == 0) return;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char line[160];
  std::snprintf(line, sizeof(line), "%s: %s of %d steps in %.3f ms, %.4f ms per step",
                layer_param_.name().c_str(), pass, steps_, seconds * 1e3, seconds * 1e3 / steps_);
  LOG(INFO) << line;
}

}  // namespace strata
