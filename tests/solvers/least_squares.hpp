// A one-weight-vector least-squares problem and double-precision reference
// trajectories of every solver's update rule, shared by the solver tests.
//   loss = (w . x - t)^2 / 2,  x = (1, 2),  t = 1,  w0 = (0.5, -0.25)
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "strata/io.hpp"
#include "strata/solver.hpp"
#include "support/test_util.hpp"

namespace strata::testing {

inline const char* kLeastSquaresNet = R"(
  layer { name: "data" type: "DummyData" top: "x" top: "t"
    dummy_data_param { shape { dim: 1 dim: 2 } shape { dim: 1 dim: 1 }
      data_filler { type: "constant" value: 1 } data_filler { type: "constant" value: 1 } } }
  layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y" PARAM
    inner_product_param { num_output: 1 bias_term: false } }
  layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "loss" })";

// `base` with the fields of `text` set over it.
inline SolverParameter Merged(const SolverParameter& base, const std::string& text) {
  SolverParameter extra;
  ParseProtoFromText(text, "solver", &extra);
  SolverParameter merged = base;
  merged.MergeFrom(extra);
  return merged;
}

// base_lr 0.1, fixed policy, 3 iterations, then `extra`; `param` goes into the fc layer.
inline SolverParameter LeastSquaresSolver(const std::string& extra, const std::string& param = "") {
  std::string net = kLeastSquaresNet;
  net.replace(net.find("PARAM"), 5, param);
  SolverParameter solver;
  ParseProtoFromText("base_lr: 0.1 lr_policy: \"fixed\" max_iter: 3 random_seed: 1", "solver",
                     &solver);
  *solver.mutable_net_param() = ParseNet(net);
  return Merged(solver, extra);
}

// Sets x = (1, 2) and w = w0 (DummyData's constant filler fills x with ones once).
inline void PrepareLeastSquares(Solver* solver) {
  solver->net().blob_by_name("x")->mutable_data()[1] = 2;
  float* w = solver->net().layer_by_name("fc")->blobs()[0]->mutable_data();
  w[0] = 0.5f;
  w[1] = -0.25f;
}

// Runs the solver `param` describes for max_iter iterations; returns w.
inline std::vector<float> TrainLeastSquares(const SolverParameter& param) {
  auto solver = CreateSolver(param);
  PrepareLeastSquares(solver.get());
  solver->Step(param.max_iter());
  const Blob* weight = solver->net().layer_by_name("fc")->blobs()[0].get();
  return {weight->data()[0], weight->data()[1]};
}

struct Hyper {
  std::string type = "SGD";
  int iterations = 3;
  double lr = 0.1, momentum = 0, momentum2 = 0.999, delta = 1e-8, rms_decay = 0.99;
  double decay = 0, lr_mult = 1;
  bool l1 = false;
};

// The trajectory computed by hand, in double precision.
inline std::vector<double> ReferenceLeastSquares(const Hyper& h) {
  double w[2] = {0.5, -0.25}, s1[2] = {0, 0}, s2[2] = {0, 0};
  const double x[2] = {1, 2}, t = 1;
  const bool decoupled = h.type == "AdamW";
  for (int it = 0; it < h.iterations; ++it) {
    const double residual = w[0] * x[0] + w[1] * x[1] - t;
    double step[2];
    for (int i = 0; i < 2; ++i) {
      const double regularizer = h.l1 ? (w[i] > 0) - (w[i] < 0) : w[i];
      const double g = residual * x[i] + (decoupled ? 0 : h.decay * regularizer);
      const double rate = h.lr * h.lr_mult;
      if (h.type == "SGD") {
        s1[i] = h.momentum * s1[i] + rate * g;
        step[i] = s1[i];
      } else if (h.type == "Nesterov") {
        const double before = s1[i];
        s1[i] = h.momentum * s1[i] + rate * g;
        step[i] = (1 + h.momentum) * s1[i] - h.momentum * before;
      } else if (h.type == "AdaGrad") {
        s1[i] += g * g;
        step[i] = rate * g / (std::sqrt(s1[i]) + h.delta);
      } else if (h.type == "RMSProp") {
        s1[i] = h.rms_decay * s1[i] + (1 - h.rms_decay) * g * g;
        step[i] = rate * g / (std::sqrt(s1[i]) + h.delta);
      } else if (h.type == "AdaDelta") {
        s1[i] = h.momentum * s1[i] + (1 - h.momentum) * g * g;
        const double u = g * std::sqrt((s2[i] + h.delta) / (s1[i] + h.delta));
        s2[i] = h.momentum * s2[i] + (1 - h.momentum) * u * u;
        step[i] = rate * u;
      } else {  // Adam, AdamW
        s1[i] = h.momentum * s1[i] + (1 - h.momentum) * g;
        s2[i] = h.momentum2 * s2[i] + (1 - h.momentum2) * g * g;
        const double correction =
            std::sqrt(1 - std::pow(h.momentum2, it + 1)) / (1 - std::pow(h.momentum, it + 1));
        step[i] = rate * correction * s1[i] / (std::sqrt(s2[i]) + h.delta);
        if (decoupled) step[i] += rate * h.decay * w[i];
      }
    }
    for (int i = 0; i < 2; ++i) w[i] -= step[i];
  }
  return {w[0], w[1]};
}

}  // namespace strata::testing
