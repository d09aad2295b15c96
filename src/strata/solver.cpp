#include "strata/solver.hpp"

#include <glog/logging.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "strata/errors.hpp"
#include "strata/io.hpp"
#include "strata/math.hpp"
#include "strata/random.hpp"
#include "strata/snapshot.hpp"
#include "strata/solver_registry.hpp"

namespace strata {

namespace {

std::string FormatDuration(double seconds) {
  const long total = static_cast<long>(seconds + 0.5);
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof(text), "%ldh%02ldm", total / 3600, total / 60 % 60);
  } else if (total >= 60) {
    std::snprintf(text, sizeof(text), "%ldm%02lds", total / 60, total % 60);
  } else {
    std::snprintf(text, sizeof(text), "%lds", total);
  }
  return text;
}

NetState StateFor(Phase phase, const NetState* given) {
  NetState state;
  if (given != nullptr) state = *given;
  state.set_phase(phase);
  return state;
}

// `where` names the solver field that gave `file`, for a file that cannot be read.
std::unique_ptr<Net> BuildNet(const NetParameter* inline_param, const std::string& file,
                              const NetState& state, uint64_t seed, const std::string& where,
                              const DataShard& shard, bool debug_info = false) {
  NetParameter param;
  NetSource source;
  if (inline_param != nullptr) {
    param = *inline_param;
  } else {
    try {
      ReadNetParameterFromTextFile(file, &param, &source);
    } catch (const IoError& e) {
      RethrowWithContext(e, where);
    }
  }
  // The solver's state wins over one written in the net file, as in Caffe.
  NetState merged = param.state();
  merged.MergeFrom(state);
  *param.mutable_state() = merged;
  if (debug_info) param.set_debug_info(true);
  // Test nets (TEST phase, outputs only) hand their activation buffers on,
  // unless every blob must stay readable (Solver::SetKeepTestActivations).
  NetOptions options;
  options.seed = seed;
  options.data_shard = shard;
  options.reuse_activations = !Solver::keep_test_activations();
  return std::make_unique<Net>(param, options, inline_param ? nullptr : &source);
}

}  // namespace

std::atomic<bool> Solver::keep_test_activations_{false};
ParallelRun* Solver::next_parallel_run_ = nullptr;

Solver::Solver(const SolverParameter& param, const SolverSource* source)
    : param_(param), parallel_(next_parallel_run_) {
  if (source != nullptr) source_ = *source;
  if (parallel_ != nullptr) shard_ = parallel_->shard();
  ValidateSolverParameter(param_, source);
  const uint64_t seed =
      param_.random_seed() >= 0 ? static_cast<uint64_t>(param_.random_seed()) : ClockSeed();
  Rng seeds(seed);
  const NetState train_state =
      StateFor(TRAIN, param_.has_train_state() ? &param_.train_state() : nullptr);
  const uint64_t train_seed = seeds.NextSeed();
  const bool debug = param_.debug_info();
  if (param_.has_train_net_param()) {
    net_ = BuildNet(&param_.train_net_param(), "", train_state, train_seed, "", shard_, debug);
  } else if (param_.has_train_net()) {
    net_ = BuildNet(nullptr, param_.train_net(), train_state, train_seed,
                    source_.Where("train_net") + "train_net: ", shard_, debug);
  } else if (param_.has_net_param()) {
    net_ = BuildNet(&param_.net_param(), "", train_state, train_seed, "", shard_, debug);
  } else {
    net_ = BuildNet(nullptr, param_.net(), train_state, train_seed,
                    source_.Where("net") + "net: ", shard_, debug);
  }
  InitTestNets(seeds.NextSeed());
  start_time_ = Seconds();
  LOG(INFO) << "Solver ready: train net '" << net_->name() << "' with "
            << net_->learnable_params().size() << " parameter blobs, " << test_nets_.size()
            << " test net(s)";
}

void Solver::InitTestNets(uint64_t seed) {
  const int specific = param_.test_net_param_size() + param_.test_net_size();
  const bool generic = param_.has_net() || param_.has_net_param();
  const int num_tests = param_.test_iter_size();
  if (num_tests < specific) {
    throw ConfigError(source_.Where("test_iter") + "test_iter must be given for each of the " +
                      std::to_string(specific) + " test nets");
  }
  if (num_tests > specific && !generic) {
    throw ConfigError(source_.Where("test_iter") + "test_iter is given " +
                      std::to_string(num_tests) + " times but there are " +
                      std::to_string(specific) + " test nets");
  }
  if (param_.test_state_size() > 0 && param_.test_state_size() != num_tests) {
    throw ConfigError(source_.Where("test_state") +
                      "test_state must be given once per test net or not at all");
  }
  if (param_.test_interval() > 0 && num_tests == 0) {
    LOG(WARNING) << "test_interval is set but the solver defines no test net; no testing";
  }
  Rng seeds(seed);
  for (int i = 0; i < num_tests; ++i) {
    const NetState state =
        StateFor(TEST, param_.test_state_size() ? &param_.test_state(i) : nullptr);
    if (i < param_.test_net_param_size()) {
      test_nets_.push_back(
          BuildNet(&param_.test_net_param(i), "", state, seeds.NextSeed(), "", shard_));
    } else if (i < specific) {
      const int index = i - param_.test_net_param_size();
      test_nets_.push_back(BuildNet(nullptr, param_.test_net(index), state, seeds.NextSeed(),
                                    source_.Where("test_net", index) + "test_net: ", shard_));
    } else if (param_.has_net_param()) {
      test_nets_.push_back(BuildNet(&param_.net_param(), "", state, seeds.NextSeed(), "", shard_));
    } else {
      test_nets_.push_back(BuildNet(nullptr, param_.net(), state, seeds.NextSeed(),
                                    source_.Where("net") + "net: ", shard_));
    }
    test_nets_.back()->ShareTrainedLayersWith(*net_);
  }
}

// The policy and its fields were checked by ValidateSolverParameter.
float Solver::GetLearningRate() {
  const std::string& policy = param_.lr_policy();
  const double base = param_.base_lr();
  const double gamma = param_.gamma();
  const double power = param_.power();
  const int iter = iter_;
  double rate;
  if (policy == "fixed") {
    rate = base;
  } else if (policy == "step") {
    current_step_ = iter / param_.stepsize();
    rate = base * std::pow(gamma, current_step_);
  } else if (policy == "exp") {
    rate = base * std::pow(gamma, iter);
  } else if (policy == "inv") {
    rate = base * std::pow(1.0 + gamma * iter, -power);
  } else if (policy == "multistep") {
    while (current_step_ < param_.stepvalue_size() && iter >= param_.stepvalue(current_step_)) {
      ++current_step_;
    }
    rate = base * std::pow(gamma, current_step_);
  } else if (policy == "poly") {
    rate = base * std::pow(1.0 - static_cast<double>(iter) / param_.max_iter(), power);
  } else if (policy == "sigmoid") {
    rate =
        base * (1.0 / (1.0 + std::exp(-gamma * (iter - static_cast<double>(param_.stepsize())))));
  } else {
    throw InternalError("lr_policy '" + policy + "' passed ValidateSolverParameter");
  }
  if (iter < param_.warmup_iter()) {
    const double start = param_.warmup_start_factor();
    rate *= start + (1.0 - start) * iter / param_.warmup_iter();
  }
  return static_cast<float>(rate);
}

void Solver::UpdateSmoothedLoss(float loss) {
  const size_t window = static_cast<size_t>(param_.average_loss());
  if (losses_.size() < window) {
    losses_.push_back(loss);
  } else {
    losses_[loss_position_] = loss;
    loss_position_ = (loss_position_ + 1) % window;
  }
  double sum = 0;
  for (float value : losses_) sum += value;
  smoothed_loss_ = static_cast<float>(sum / losses_.size());
}

std::vector<OutputAverage> AverageOutputs(Net& net, int iterations) {
  return AverageOutputs(net, iterations, DataShard(), nullptr);
}

std::vector<OutputAverage> AverageOutputs(
    Net& net, int iterations, const DataShard& shard,
    const std::function<void(std::vector<double>*)>& sum_over_ranks) {
  std::vector<OutputAverage> results;
  std::vector<double> sums;
  std::vector<int> counts;  // each output's size in the first batch
  const int batches = (iterations + shard.count - 1) / shard.count;
  for (int it = 0; it < batches; ++it) {
    net.Forward();
    // Every rank runs the same number of batches, so that their data layers
    // stay in step; a last round that overshoots `iterations` is not counted.
    const bool counted = it * shard.count + shard.index < iterations;
    size_t k = 0;
    for (size_t b = 0; b < net.output_blobs().size(); ++b) {
      const Blob* blob = net.output_blobs()[b];
      const std::string& name = net.output_blob_names()[b];
      if (it == 0) {
        counts.push_back(blob->count());
        for (int j = 0; j < blob->count(); ++j) {
          results.push_back({name, 0.f, net.output_loss_weights()[b]});
          sums.push_back(0.0);
        }
      } else if (blob->count() != counts[b]) {
        // Element j of an output is averaged over the batches: that needs the
        // same elements in every batch (a Filter's output has none such).
        throw DataError((net.name().empty() ? "" : "net '" + net.name() + "' ") + "output '" +
                        name + "' has " + std::to_string(blob->count()) + " values in test batch " +
                        std::to_string(it + 1) + " but " + std::to_string(counts[b]) +
                        " in batch 1: only outputs of a fixed size can be averaged over "
                        "batches (feed a variable-size blob such as a Filter's top to a loss "
                        "or Accuracy layer instead)");
      }
      for (int j = 0; j < blob->count(); ++j, ++k) {
        if (counted) sums[k] += blob->data()[j];
      }
    }
  }
  if (sum_over_ranks) sum_over_ranks(&sums);
  for (size_t k = 0; k < results.size(); ++k) {
    results[k].value = static_cast<float>(sums[k] / iterations);
  }
  return results;
}

std::vector<OutputAverage> Solver::Test(int index) {
  LOG(INFO) << "Iteration " << iter_ << ", Testing net (#" << index << ")";
  Net& test_net = *test_nets_.at(index);
  std::function<void(std::vector<double>*)> sum;
  if (parallel_ != nullptr) sum = [this](std::vector<double>* v) { parallel_->SumOverRanks(v); };
  const auto results = AverageOutputs(test_net, param_.test_iter(index), shard_, sum);
  for (size_t k = 0; k < results.size(); ++k) {
    const auto& r = results[k];
    std::string loss_note;
    if (r.loss_weight != 0.f) {
      loss_note = " (* " + std::to_string(r.loss_weight).substr(0, 6) + " = " +
                  std::to_string(r.loss_weight * r.value) + " loss)";
    }
    LOG(INFO) << "    Test net output #" << k << ": " << r.name << " = " << r.value << loss_note;
  }
  for (Callback* callback : callbacks_)
    callback->OnTest(iter_, Seconds() - start_time_, index, results);
  return results;
}

void Solver::TestAll() {
  last_test_results_.clear();
  for (size_t i = 0; i < test_nets_.size(); ++i) {
    last_test_results_.push_back(Test(static_cast<int>(i)));
  }
  last_test_iter_ = iter_;
}

void Solver::LogTrainOutputs() const {
  int k = 0;
  for (size_t b = 0; b < net_->output_blobs().size(); ++b) {
    const Blob* blob = net_->output_blobs()[b];
    const float weight = net_->output_loss_weights()[b];
    for (int j = 0; j < blob->count(); ++j, ++k) {
      const float value = blob->data()[j];
      std::string loss_note;
      if (weight != 0.f) {
        loss_note = " (* " + std::to_string(weight).substr(0, 6) + " = " +
                    std::to_string(weight * value) + " loss)";
      }
      LOG(INFO) << "    Train net output #" << k << ": " << net_->output_blob_names()[b] << " = "
                << value << loss_note;
    }
  }
}

void Solver::PrepareRun() {
  if (prepared_) return;
  prepared_ = true;
  if (!writes_files()) return;
  if (!param_.has_snapshot_prefix() || param_.snapshot_prefix().empty()) return;
  const std::filesystem::path prefix(param_.snapshot_prefix());
  const std::filesystem::path folder =
      prefix.parent_path().empty() ? std::filesystem::path(".") : prefix.parent_path();
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) {
    throw IoError(source_.Where("snapshot_prefix") + folder.string() +
                  ": cannot create snapshot folder: " + error.message());
  }
  const std::string probe = param_.snapshot_prefix() + "_probe" + TempSuffix();
  {
    std::ofstream out(probe);
    if (!out) {
      throw IoError(source_.Where("snapshot_prefix") + folder.string() +
                    ": snapshots cannot be written there: " + std::strerror(errno));
    }
  }
  std::filesystem::remove(probe, error);
  for (const std::string& removed :
       RemoveStaleTempFiles(folder.string(), prefix.filename().string() + "_iter_")) {
    LOG(INFO) << "Removed " << removed << ", left by a run that was killed while writing it";
  }
}

void Solver::Step(int iterations) {
  PrepareRun();
  const int start_iter = iter_;
  const int stop_iter = iter_ + iterations;
  using Clock = std::chrono::steady_clock;
  auto display_start = Clock::now();
  const auto run_start = display_start;
  int display_start_iter = iter_;
  while (iter_ < stop_iter) {
    net_->ClearParamDiffs();
    if (param_.test_interval() > 0 && iter_ % param_.test_interval() == 0 &&
        (iter_ > 0 || param_.test_initialization())) {
      TestAll();
    }
    for (Callback* callback : callbacks_) callback->OnStart();
    if (param_.check_finite()) {
      // Blame the schedule before the weights it would spoil are run.
      const float rate = GetLearningRate();
      if (!std::isfinite(rate)) {
        StopIfNonFinite("the learning rate is " + std::to_string(rate) + " (lr_policy '" +
                        param_.lr_policy() + "', base_lr " + std::to_string(param_.base_lr()) +
                        ", gamma " + std::to_string(param_.gamma()) + ", power " +
                        std::to_string(param_.power()) + ")");
      }
    }
    const bool display = param_.display() > 0 && iter_ % param_.display() == 0;
    float loss = 0.f;
    for (int i = 0; i < param_.iter_size(); ++i) {
      if (!param_.check_finite()) {
        loss += net_->ForwardBackward();
        continue;
      }
      loss += net_->Forward();
      StopIfNonFinite(net_->FindNonFiniteForward());
      net_->Backward();
      StopIfNonFinite(net_->FindNonFiniteBackward());
    }
    loss /= param_.iter_size();
    Action agreed = Action::kNone;
    if (parallel_ != nullptr) {
      const ParallelRun::Agreed exchange =
          parallel_->ExchangeGradients(loss, static_cast<int>(PollAction()));
      loss = exchange.loss;
      agreed = static_cast<Action>(exchange.action);
    }
    last_loss_ = loss;
    UpdateSmoothedLoss(loss);
    if (display) {
      const auto now = Clock::now();
      const double lapse = std::chrono::duration<double>(now - display_start).count();
      const int done = iter_ - display_start_iter;
      const double per_s = lapse > 0 && done > 0 ? done / lapse : 0.0;
      LOG(INFO) << "Iteration " << iter_ << " (" << per_s << " iter/s, " << lapse << "s/"
                << param_.display() << " iters), loss = " << smoothed_loss_;
      LogTrainOutputs();
      const double elapsed = std::chrono::duration<double>(now - run_start).count();
      const int run_done = iter_ - start_iter;
      if (run_done > 0) {
        const double rate = run_done / elapsed;
        LOG(INFO) << "    Progress: " << iter_ << "/" << param_.max_iter() << ", "
                  << static_cast<int>(rate * 10) / 10.0 << " iter/s, elapsed "
                  << FormatDuration(elapsed) << ", ETA "
                  << FormatDuration((param_.max_iter() - iter_) / rate);
      }
      display_start = now;
      display_start_iter = iter_;
      const float rate = GetLearningRate();
      for (Callback* callback : callbacks_) {
        callback->OnDisplay(iter_, Seconds() - start_time_, rate, smoothed_loss_);
      }
    }
    for (Callback* callback : callbacks_) callback->OnGradientsReady();
    ApplyUpdate();
    if (net_->debug_info()) net_->LogParamUpdates();
    ++iter_;
    const bool snapshotted = param_.snapshot() > 0 && iter_ % param_.snapshot() == 0;
    if (snapshotted) Snapshot();
    // A parallel run takes the action every rank agreed on with the gradients.
    const Action action = parallel_ != nullptr ? agreed : PollAction();
    if (action == Action::kSnapshot && !snapshotted) Snapshot();
    if (action == Action::kStop) {
      LOG(INFO) << "Stop requested at iteration " << iter_;
      stopped_early_ = true;
      break;
    }
  }
}

Solver::Action Solver::PollAction() {
  const Action action = action_ ? action_() : Action::kNone;
  return stop_requested_ ? Action::kStop : action;
}

void Solver::Solve() {
  if (param_.snapshot_after_train() && iter_ < param_.max_iter() &&
      (!param_.has_snapshot_prefix() || param_.snapshot_prefix().empty())) {
    throw ConfigError(source_.Where("snapshot_after_train") +
                      "the run ends with a snapshot (snapshot_after_train, true unless set) but "
                      "the solver has no snapshot_prefix to write it to; add snapshot_prefix or "
                      "set snapshot_after_train: false");
  }
  LOG(INFO) << "Solving " << net_->name() << " (" << type() << ", max_iter " << param_.max_iter()
            << ")";
  Step(param_.max_iter() - iter_);
  if (param_.snapshot_after_train() && (param_.snapshot() == 0 || iter_ % param_.snapshot() != 0)) {
    Snapshot();
  }
  if (stopped_early_) {
    LOG(INFO) << "Optimization stopped early.";
    return;
  }
  if (param_.display() > 0 && iter_ % param_.display() == 0) {
    // One more forward pass so the final loss matches the final weights.
    float loss = net_->Forward();
    if (parallel_ != nullptr) {
      std::vector<double> total{loss};
      parallel_->SumOverRanks(&total);
      loss = static_cast<float>(total[0] / shard_.count);
    }
    UpdateSmoothedLoss(loss);
    LOG(INFO) << "Iteration " << iter_ << ", loss = " << smoothed_loss_;
  }
  if (param_.test_interval() > 0 && iter_ % param_.test_interval() == 0) TestAll();
  LOG(INFO) << "Optimization Done.";
}

void Solver::StopIfNonFinite(const std::string& finding) {
  if (finding.empty()) return;
  const std::string message = "iteration " + std::to_string(iter_) + ": " + finding;
  LOG(ERROR) << "check_finite: " << message;
  if (param_.has_snapshot_prefix()) {
    const std::string written = Snapshot();
    throw NumericalError(message + "; training stopped, snapshot " + written);
  }
  throw NumericalError(message + "; training stopped (no snapshot_prefix, no snapshot written)");
}

std::string Solver::Snapshot() {
  if (!param_.has_snapshot_prefix()) {
    throw ConfigError(source_.Where("snapshot_prefix") +
                      "a snapshot was asked for but the solver has no snapshot_prefix");
  }
  if (!writes_files()) return {};
  const bool hdf5 = param_.snapshot_format() == SolverParameter::HDF5;
  const std::string prefix = param_.snapshot_prefix() + "_iter_" + std::to_string(iter_);
  const std::filesystem::path folder = std::filesystem::path(prefix).parent_path();
  if (!folder.empty()) {
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error)
      throw IoError(folder.string() + ": cannot create snapshot folder: " + error.message());
  }
  const std::string model = prefix + (hdf5 ? ".caffemodel.h5" : ".caffemodel");
  NetParameter weights;
  net_->ToProto(&weights, param_.snapshot_diff());
  WriteWeights(weights, model, hdf5, param_.snapshot_diff());

  SolverState state;
  state.set_iter(iter_);
  state.set_learned_net(model);
  state.set_current_step(current_step_);
  SnapshotState(&state);
  for (float loss : losses_) state.add_loss_window(loss);
  state.set_loss_window_position(static_cast<int>(loss_position_));
  state.set_elapsed_seconds(Seconds() - start_time_);
  for (size_t n = 0; n <= test_nets_.size(); ++n) {
    const Net& net = n == 0 ? *net_ : *test_nets_[n - 1];
    for (LayerState& layer_state : net.SaveLayerStates()) {
      layer_state.set_net(static_cast<int>(n));
      *state.add_layer_state() = layer_state;
    }
  }
  const std::string state_path = prefix + (hdf5 ? ".solverstate.h5" : ".solverstate");
  WriteSolverState(state, state_path, hdf5);
  LOG(INFO) << "Snapshotting to " << (hdf5 ? "HDF5" : "binary proto") << " file " << model;
  LOG(INFO) << "Snapshotting solver state to " << (hdf5 ? "HDF5" : "binary proto") << " file "
            << state_path;
  last_snapshot_ = model;
  return model;
}

void Solver::CheckRestoredState(const SolverState& state) const {
  // A state file is data from disk: every number in it is checked before use.
  if (!state.has_iter() || state.iter() < 0) {
    throw DataError("iter is " + std::to_string(state.iter()) + ": it must be 0 or more");
  }
  if (state.iter() > param_.max_iter()) {
    throw DataError("the snapshot is at iteration " + std::to_string(state.iter()) +
                    ", past this solver's max_iter " + std::to_string(param_.max_iter()) +
                    " (raise max_iter to train on)");
  }
  // step recomputes current_step from iter; multistep counts passed stepvalues.
  const int steps = param_.lr_policy() == "multistep" ? param_.stepvalue_size()
                    : param_.stepsize() > 0           ? state.iter() / param_.stepsize()
                                                      : 0;
  if (state.current_step() < 0 || state.current_step() > steps) {
    throw DataError("current_step is " + std::to_string(state.current_step()) +
                    ": it must be in [0, " + std::to_string(steps) + "] for lr_policy '" +
                    param_.lr_policy() + "'");
  }
  if (state.loss_window_position() < 0 ||
      state.loss_window_position() >= std::max(state.loss_window_size(), 1)) {
    throw DataError("loss_window_position " + std::to_string(state.loss_window_position()) +
                    " is outside the " + std::to_string(state.loss_window_size()) +
                    " saved losses");
  }
  if (state.has_elapsed_seconds() &&
      (!std::isfinite(state.elapsed_seconds()) || state.elapsed_seconds() < 0)) {
    throw DataError("elapsed_seconds is " + std::to_string(state.elapsed_seconds()));
  }
}

void Solver::Restore(const std::string& state_path) {
  SolverState state;
  ReadSolverState(state_path, &state);
  LOG(INFO) << "Restoring previous solver status from " << state_path;
  try {
    CheckRestoredState(state);
    if (state.has_learned_net()) {
      std::string model = state.learned_net();
      // A snapshot folder that was moved still finds its model beside the state.
      const auto beside =
          std::filesystem::path(state_path).parent_path() / std::filesystem::path(model).filename();
      if (!std::filesystem::exists(model) && std::filesystem::exists(beside))
        model = beside.string();
      net_->CopyTrainedLayersFrom(model);
    }
    RestoreState(state);
    iter_ = state.iter();
    current_step_ = state.current_step();
    if (state.has_elapsed_seconds()) start_time_ = Seconds() - state.elapsed_seconds();
    const size_t window = static_cast<size_t>(param_.average_loss());
    if (static_cast<size_t>(state.loss_window_size()) > window) {
      LOG(WARNING) << "average_loss is now " << window << ", the snapshot smoothed over "
                   << state.loss_window_size() << ": the smoothed loss starts afresh";
    } else if (state.loss_window_size() > 0) {
      losses_.assign(state.loss_window().begin(), state.loss_window().end());
      loss_position_ = static_cast<size_t>(state.loss_window_position()) % window;
      double sum = 0;
      for (float value : losses_) sum += value;
      smoothed_loss_ = static_cast<float>(sum / losses_.size());
    }
    std::vector<std::vector<LayerState>> per_net(test_nets_.size() + 1);
    for (const auto& layer_state : state.layer_state()) {
      if (layer_state.net() < 0 || layer_state.net() > static_cast<int>(test_nets_.size())) {
        throw ConfigError("the snapshot has state for test net " +
                          std::to_string(layer_state.net() - 1) + ", which this solver lacks");
      }
      per_net[layer_state.net()].push_back(layer_state);
    }
    for (size_t n = 0; n < per_net.size(); ++n) {
      (n == 0 ? *net_ : *test_nets_[n - 1]).RestoreLayerStates(per_net[n]);
    }
  } catch (const Error& e) {
    RethrowWithContext(e, state_path + ": ");
  }
  LOG(INFO) << "Resuming at iteration " << iter_;
}

double Solver::Seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::unique_ptr<Solver> CreateSolver(const SolverParameter& param, const SolverSource* source) {
  return SolverRegistry::Create(SolverTypeName(param), param, source);
}

}  // namespace strata
