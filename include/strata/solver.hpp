// Solver: runs the training loop of a SolverParameter.
//
// Each iteration: clear parameter diffs; test every test_interval; run
// forward+backward iter_size times (diffs accumulate); call
// OnGradientsReady on every callback (the one point per iteration where all
// gradients are complete: a data-parallel allreduce hooks in here); apply the
// update (subclass); snapshot every `snapshot` iterations.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "solver.pb.h"
#include "strata/net.hpp"

namespace strata {

// Runs `net` forward `iterations` times and averages every element of every
// output blob, in Caffe's order (an output of k elements gives k entries of
// the same name). Used by the solver's test step and tools/test.
struct OutputAverage {
  std::string name;
  float value;
  float loss_weight;
};
std::vector<OutputAverage> AverageOutputs(Net& net, int iterations);

class Solver {
 public:
  class Callback {
   public:
    virtual ~Callback() = default;
    virtual void OnStart() {}
    virtual void OnGradientsReady() {}
  };

  // Builds the train net and the test nets. Net files named in `param` are
  // read relative to the working directory, as Caffe does.
  explicit Solver(const SolverParameter& param);
  virtual ~Solver() = default;
  Solver(const Solver&) = delete;
  Solver& operator=(const Solver&) = delete;

  virtual const char* type() const = 0;

  // Trains up to max_iter, then snapshots (snapshot_after_train) and tests.
  void Solve();
  void Step(int iterations);
  // Runs test net `index` for its test_iter batches; logs and returns the
  // averaged outputs.
  std::vector<OutputAverage> Test(int index);
  void TestAll();
  // Results of the latest TestAll (one vector per test net) and its iteration (-1: none yet).
  const std::vector<std::vector<OutputAverage>>& last_test_results() const {
    return last_test_results_;
  }
  int last_test_iter() const { return last_test_iter_; }
  // Writes <prefix>_iter_<N>.caffemodel and .solverstate; returns the model path.
  std::string Snapshot();

  // The learning rate of lr_policy at the current iteration.
  float GetLearningRate();

  Net& net() { return *net_; }
  const std::vector<std::unique_ptr<Net>>& test_nets() const { return test_nets_; }
  const SolverParameter& param() const { return param_; }
  int iter() const { return iter_; }
  float smoothed_loss() const { return smoothed_loss_; }
  const std::string& last_snapshot() const { return last_snapshot_; }

  void AddCallback(Callback* callback) { callbacks_.push_back(callback); }
  // Ends Solve after the current iteration (safe to call from a signal handler).
  void RequestStop() { stop_requested_ = true; }

 protected:
  virtual void ApplyUpdate() = 0;
  // Solver-specific state for the .solverstate file.
  virtual void SnapshotState(SolverState* state) const = 0;

  SolverParameter param_;
  int iter_ = 0;
  int current_step_ = 0;
  std::unique_ptr<Net> net_;
  std::vector<std::unique_ptr<Net>> test_nets_;

 private:
  void InitTestNets(uint64_t seed);
  void UpdateSmoothedLoss(float loss);
  void LogTrainOutputs() const;

  std::vector<Callback*> callbacks_;
  std::vector<float> losses_;  // window of the last average_loss losses
  size_t loss_position_ = 0;
  float smoothed_loss_ = 0.f;
  std::string last_snapshot_;
  std::vector<std::vector<OutputAverage>> last_test_results_;
  int last_test_iter_ = -1;
  std::atomic<bool> stop_requested_{false};
};

// SGD with momentum and weight decay, as Caffe defines it:
//   g   = diff / iter_size + weight_decay * decay_mult * (w or sign(w) for L1)
//   v   = momentum * v + lr * lr_mult * g
//   w  -= v
// after scaling all diffs down to clip_gradients in global L2 norm when set.
class SGDSolver : public Solver {
 public:
  explicit SGDSolver(const SolverParameter& param);
  const char* type() const override { return "SGD"; }
  const std::vector<std::unique_ptr<Blob>>& history() const { return history_; }

 protected:
  void ApplyUpdate() override;
  void SnapshotState(SolverState* state) const override;

  void ClipGradients();
  void Normalize(int param_index);
  void Regularize(int param_index);
  virtual void ComputeUpdateValue(int param_index, float rate);

  std::vector<std::unique_ptr<Blob>> history_;
};

// Creates the solver `param.type` names (ConfigError for unknown types).
std::unique_ptr<Solver> CreateSolver(const SolverParameter& param);

// Reads a solver .prototxt (ConfigError "file:line:col: ..." on bad syntax).
SolverParameter ReadSolverParameter(const std::string& path);



}  // namespace strata
