// Solver: runs the training loop of a SolverParameter.
//
// Each iteration: clear parameter diffs; test every test_interval; run
// forward+backward iter_size times (diffs accumulate); call OnGradientsReady
// on every callback (the one point per iteration where all gradients are
// complete: a data-parallel allreduce hooks in here); apply the update (the
// subclass's rule); snapshot every `snapshot` iterations; act on a requested
// stop or snapshot (signals).
//
// The solvers, each in include/strata/solvers/: SGD, Nesterov, AdaGrad,
// RMSProp, AdaDelta, Adam, AdamW. Each registers itself
// (STRATA_REGISTER_SOLVER, solver_registry.hpp); CreateSolver picks one by `type`.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "solver.pb.h"
#include "strata/net.hpp"
#include "strata/solver_param.hpp"

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
// The same over the ranks of a data-parallel run: this rank's net reads its
// shard of each batch (DataShard), so it runs ceil(iterations / count)
// batches, of which those past `iterations` overall are not counted;
// `sum_over_ranks` adds up every rank's sums in place.
std::vector<OutputAverage> AverageOutputs(
    Net& net, int iterations, const DataShard& shard,
    const std::function<void(std::vector<double>*)>& sum_over_ranks);

// What a data-parallel run (tools/train on MPI, include/strata/distributed/mpi_run.hpp)
// plugs into the solver: every rank builds the same solver over its DataShard,
// and the ranks agree, once per iteration, on the gradient, the loss and what
// to do next. Rank 0 alone writes snapshots.
class ParallelRun {
 public:
  // What every rank takes from an iteration's exchange.
  struct Agreed {
    float loss;  // the mean over ranks
    int action;  // a Solver::Action
  };
  virtual ~ParallelRun() = default;
  virtual DataShard shard() const = 0;
  // After the iteration's last backward: leaves the mean gradient over ranks
  // in the parameter diffs. `action` is this rank's wish (a signal it got).
  virtual Agreed ExchangeGradients(float loss, int action) = 0;
  // Adds up every rank's `values` in place (test outputs, the final loss).
  virtual void SumOverRanks(std::vector<double>* values) = 0;
};

class Solver {
 public:
  class Callback {
   public:
    virtual ~Callback() = default;
    // At the start of every iteration, after its test pass (Caffe's on_start).
    virtual void OnStart() {}
    // All gradients of this iteration are in the parameter diffs.
    virtual void OnGradientsReady() {}
    // A display step: the smoothed loss and the rate about to be applied.
    virtual void OnDisplay(int /*iter*/, double /*seconds*/, float /*rate*/,
                           float /*smoothed_loss*/) {}
    virtual void OnTest(int /*iter*/, double /*seconds*/, int /*net_index*/,
                        const std::vector<OutputAverage>& /*results*/) {}
  };

  // What to do when asked from outside (e.g. by a signal), checked once per iteration.
  enum class Action { kNone, kStop, kSnapshot };

  // Checks `param` (ValidateSolverParameter), then builds the train net and
  // the test nets. Net files named in `param` are read relative to the
  // working directory, as Caffe does. `source` (where the solver file wrote
  // each field) puts "file:line:col: " before solver-level errors.
  explicit Solver(const SolverParameter& param, const SolverSource* source = nullptr);
  virtual ~Solver() = default;
  Solver(const Solver&) = delete;
  Solver& operator=(const Solver&) = delete;

  virtual const char* type() const = 0;

  // Trains up to max_iter, then snapshots (snapshot_after_train) and tests.
  void Solve();
  void Step(int iterations);
  // Runs test net `index` for its test_iter batches; logs and returns the averaged outputs.
  std::vector<OutputAverage> Test(int index);
  void TestAll();
  // Writes <prefix>_iter_<N>.caffemodel[.h5] and .solverstate[.h5]; returns the model path.
  std::string Snapshot();
  // Continues from a .solverstate or .solverstate.h5: iteration, weights,
  // solver history, smoothed-loss window, and every layer's random stream and
  // data cursor, so that the run goes on bit for bit as if never stopped.
  void Restore(const std::string& state_path);

  // The learning rate at the current iteration: lr_policy, then the warm-up.
  float GetLearningRate();
  // Applies one update from the gradients now in the parameter diffs, at the
  // current iteration's rate, without advancing the iteration (pycaffe's
  // apply_update, for loops that run forward and backward themselves).
  void ApplyUpdateFromDiffs() { ApplyUpdate(); }

  Net& net() { return *net_; }
  const Net& net() const { return *net_; }
  const std::vector<std::unique_ptr<Net>>& test_nets() const { return test_nets_; }
  const SolverParameter& param() const { return param_; }
  int iter() const { return iter_; }
  float smoothed_loss() const { return smoothed_loss_; }
  // The loss of the latest iteration (averaged over iter_size).
  float last_loss() const { return last_loss_; }
  const std::string& last_snapshot() const { return last_snapshot_; }
  // Results of the latest TestAll (one vector per test net) and its iteration (-1: none yet).
  const std::vector<std::vector<OutputAverage>>& last_test_results() const {
    return last_test_results_;
  }
  int last_test_iter() const { return last_test_iter_; }

  // Process-wide: solvers made from now on keep every blob of their test nets
  // readable instead of handing activation buffers on (the Python module,
  // whose users read any blob, sets it).
  static void SetKeepTestActivations(bool keep) { keep_test_activations_ = keep; }
  static bool keep_test_activations() { return keep_test_activations_; }
  // Process-wide: solvers made from now on train as one rank of `run`
  // (nullptr: alone). The run outlives them.
  static void SetParallelRun(ParallelRun* run) { next_parallel_run_ = run; }
  // True where this process writes snapshots (every process but ranks 1..N-1).
  bool writes_files() const { return parallel_ == nullptr || parallel_->shard().index == 0; }

  void AddCallback(Callback* callback) { callbacks_.push_back(callback); }
  // Polled after every iteration.
  void SetActionFunction(std::function<Action()> function) { action_ = std::move(function); }
  // Ends Solve after the current iteration (safe to call from a signal handler).
  void RequestStop() { stop_requested_ = true; }
  bool stopped_early() const { return stopped_early_; }

 protected:
  virtual void ApplyUpdate() = 0;
  // Solver-specific history for the .solverstate, and back.
  virtual void SnapshotState(SolverState* state) const = 0;
  virtual void RestoreState(const SolverState& state) = 0;

  SolverParameter param_;
  SolverSource source_;
  int iter_ = 0;
  int current_step_ = 0;
  std::unique_ptr<Net> net_;
  std::vector<std::unique_ptr<Net>> test_nets_;

 private:
  // With check_finite: throws NumericalError for a non-empty finding from
  // Net::FindNonFinite*, after writing a snapshot when snapshot_prefix is set.
  void StopIfNonFinite(const std::string& finding);
  void InitTestNets(uint64_t seed);
  // DataError for a restored field out of range for this solver.
  void CheckRestoredState(const SolverState& state) const;
  // Before the first iteration: everything the run will need (a snapshot
  // folder it can write), and stale temporary files of killed runs removed.
  void PrepareRun();
  void UpdateSmoothedLoss(float loss);
  // What the signal handlers (or RequestStop) ask of this iteration.
  Action PollAction();
  void LogTrainOutputs() const;
  double Seconds() const;

  std::vector<Callback*> callbacks_;
  std::function<Action()> action_;
  std::vector<float> losses_;  // window of the last average_loss losses
  size_t loss_position_ = 0;
  float smoothed_loss_ = 0.f;
  float last_loss_ = 0.f;
  std::string last_snapshot_;
  std::vector<std::vector<OutputAverage>> last_test_results_;
  int last_test_iter_ = -1;
  std::atomic<bool> stop_requested_{false};
  static std::atomic<bool> keep_test_activations_;
  static ParallelRun* next_parallel_run_;
  ParallelRun* parallel_ = nullptr;
  DataShard shard_;
  bool stopped_early_ = false;
  bool prepared_ = false;
  double start_time_ = 0;
};

// Creates the solver `param.type` names (or the deprecated solver_type enum).
// ConfigError for an unknown type, naming the known ones.
std::unique_ptr<Solver> CreateSolver(const SolverParameter& param,
                                     const SolverSource* source = nullptr);

}  // namespace strata
