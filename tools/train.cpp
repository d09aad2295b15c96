// train: trains a net from a solver definition, or resumes a snapshot.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <vector>

#include "strata/errors.hpp"
#include "strata/random.hpp"
#include "strata/solver.hpp"
#include "strata/training_log.hpp"
#include "tool_main.hpp"
#ifdef STRATA_HAVE_MPI
#include "strata/distributed/mpi_run.hpp"
#endif

DEFINE_string(solver, "", "The solver definition (.prototxt). Required.");
DEFINE_string(weights, "",
              "Initial weights: one or more .caffemodel / .caffemodel.h5 files, separated by "
              "commas, copied by layer name into the train and test nets (fine-tuning).");
DEFINE_string(snapshot, "",
              "Resume from this .solverstate / .solverstate.h5 (weights, solver history, "
              "iteration, random streams and data positions).");
DEFINE_string(sigint_effect, "stop",
              "What Ctrl-C (SIGINT) does: stop (snapshot and exit), snapshot (and go on), none.");
DEFINE_string(sighup_effect, "snapshot",
              "What SIGHUP does: stop (snapshot and exit), snapshot (and go on), none.");
DEFINE_string(stage, "",
              "Comma-separated NetState stages for the train and test nets (added to the "
              "solver's train_state and test_state).");
DEFINE_int32(level, 0, "NetState level for the train and test nets.");
DEFINE_string(log_csv, "",
              "Write a CSV row per display and test step here (overrides the solver's log_csv).");
DEFINE_double(mpi_timeout, 30,
              "Under mpirun: seconds a rank waits for the others before it names the ranks that "
              "hang or died and stops them all.");
DEFINE_double(mpi_bucket_mb, 1,
              "Under mpirun: gradients are summed across ranks in buckets of "
              "at least this many megabytes.");
DEFINE_bool(mpi_overlap, true,
            "Under mpirun: start each bucket's allreduce while backward still runs (false: all "
            "after backward).");
DEFINE_bool(check_finite, false,
            "After every forward and backward, stop at the first NaN or infinity: name the "
            "layer and blob, write a snapshot, exit 1 (the solver field check_finite).");

namespace {

std::atomic<bool> g_sigint{false};
std::atomic<bool> g_sighup{false};

void OnSigint(int) { g_sigint = true; }
// mpirun turns Ctrl-C into SIGTERM for every rank (then SIGKILL after
// odls_base_sigkill_timeout seconds): under it, SIGTERM acts as SIGINT.
void OnSigterm(int) { g_sigint = true; }
void OnSighup(int) { g_sighup = true; }

strata::Solver::Action ParseEffect(const std::string& flag, const std::string& value) {
  if (value == "stop") return strata::Solver::Action::kStop;
  if (value == "snapshot") return strata::Solver::Action::kSnapshot;
  if (value == "none") return strata::Solver::Action::kNone;
  throw strata::tools::UsageError{"--" + flag + " must be stop, snapshot or none, not '" + value +
                                  "'"};
}

// The data-parallel side of a run: MPI under mpirun where train was built
// with it; otherwise one process (and a clear refusal under mpirun).
class Parallel {
 public:
  Parallel(int argc, char** argv) {
#ifdef STRATA_HAVE_MPI
    if (!strata::MpiRun::Launched()) return;
    if (!(FLAGS_mpi_timeout > 0) || !(FLAGS_mpi_bucket_mb > 0)) {
      throw strata::tools::UsageError{"--mpi_timeout and --mpi_bucket_mb must be positive"};
    }
    strata::MpiOptions options;
    options.timeout_seconds = FLAGS_mpi_timeout;
    options.bucket_bytes = static_cast<size_t>(FLAGS_mpi_bucket_mb * (1 << 20));
    options.overlap = FLAGS_mpi_overlap;
    run_ = std::make_unique<strata::MpiRun>(&argc, &argv, options);
    if (run_->rank() != 0) FLAGS_minloglevel = google::GLOG_ERROR;  // rank 0 alone logs
    strata::Solver::SetParallelRun(run_.get());
#else
    (void)argc;
    (void)argv;
    const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
    if (size == nullptr) size = std::getenv("PMI_SIZE");
    if (size != nullptr && std::atoi(size) > 1) {
      throw strata::ConfigError(
          std::string("this train was built without MPI (CMake found no libopenmpi-dev), so "
                      "under mpirun each of the ") +
          size +
          " processes would train alone; install libopenmpi-dev and rebuild, or run train "
          "without mpirun");
    }
#endif
  }

  int ranks() const {
#ifdef STRATA_HAVE_MPI
    if (run_) return run_->size();
#endif
    return 1;
  }

  uint64_t Broadcast(uint64_t value) {
#ifdef STRATA_HAVE_MPI
    if (run_) return run_->Broadcast(value);
#endif
    return value;
  }

  void Attach(strata::Solver* solver) {
    start_ = std::chrono::steady_clock::now();
#ifdef STRATA_HAVE_MPI
    if (run_) run_->Attach(solver);
#else
    (void)solver;
#endif
  }

  // Runs the training; an error on one rank stops every rank (a rank that
  // returned would leave the others waiting for it).
  void Run(const std::function<void()>& body) {
#ifdef STRATA_HAVE_MPI
    try {
      body();
    } catch (const std::exception& e) {
      if (ranks() > 1) run_->Abort(e.what());
      throw;
    }
#else
    body();
#endif
  }

  void PrintSummary() const {
#ifdef STRATA_HAVE_MPI
    if (!run_ || run_->stats().iterations == 0) return;
    const strata::MpiStats& stats = run_->stats();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::cout << "Data-parallel: " << run_->size() << " ranks, " << stats.bytes_per_iteration / 1e6
              << " MB of gradients per iteration in " << stats.buckets
              << " bucket(s); after backward each iteration waited "
              << 1e3 * stats.wait_seconds / stats.iterations << " ms for the exchange ("
              << 100 * stats.wait_seconds / seconds << "% of the run)\n";
#endif
  }

 private:
#ifdef STRATA_HAVE_MPI
  std::unique_ptr<strata::MpiRun> run_;
#endif
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "train",
      "trains a net.\n"
      "Usage: train --solver=solver.prototxt [--weights=a.caffemodel[,b.caffemodel]]\n"
      "       train --solver=solver.prototxt --snapshot=net_iter_1000.solverstate\n"
      "Logs loss, learning rate, throughput and ETA; tests every test_interval; writes\n"
      "snapshots to snapshot_prefix. Ctrl-C stops after the current iteration and snapshots.",
      argc, argv, [](int argc, char** argv) {
        if (argc > 1) throw strata::tools::UsageError{"unexpected argument"};
        if (FLAGS_solver.empty()) throw strata::tools::UsageError{"--solver is required"};
        if (!FLAGS_snapshot.empty() && !FLAGS_weights.empty()) {
          throw strata::tools::UsageError{
              "give --snapshot to resume or --weights to fine-tune, not both"};
        }
        const std::vector<std::string> weights = FLAGS_weights.empty()
                                                     ? std::vector<std::string>{}
                                                     : strata::tools::SplitList(FLAGS_weights);
        for (const std::string& path : weights) {
          if (path.empty()) {
            throw strata::tools::UsageError{"--weights='" + FLAGS_weights +
                                            "' has an empty entry (two commas, or one at an end)"};
          }
        }
        const auto sigint = ParseEffect("sigint_effect", FLAGS_sigint_effect);
        const auto sighup = ParseEffect("sighup_effect", FLAGS_sighup_effect);

        strata::SolverSource source;
        strata::SolverParameter param = strata::ReadSolverParameter(FLAGS_solver, &source);
        // Caffe's rule: the flags set the level and add stages to every net's state.
        const std::vector<std::string> stages =
            strata::tools::NetOptionsFromFlags(FLAGS_stage, FLAGS_level).stages;
        if (!stages.empty() || FLAGS_level != 0) {
          param.mutable_train_state()->set_level(FLAGS_level);
          for (const auto& stage : stages) param.mutable_train_state()->add_stage(stage);
          const int tests = std::max(param.test_iter_size(), param.test_state_size());
          for (int i = param.test_state_size(); i < tests; ++i) param.add_test_state();
          for (auto& state : *param.mutable_test_state()) {
            state.set_level(FLAGS_level);
            for (const auto& stage : stages) state.add_stage(stage);
          }
        }
        if (FLAGS_check_finite) param.set_check_finite(true);
        const std::string csv = FLAGS_log_csv.empty() ? param.log_csv() : FLAGS_log_csv;
        Parallel parallel(argc, argv);
        parallel.Run([&] {
          if (parallel.ranks() > 1) {
            // Every rank's data layers must walk the same order: without a
            // random_seed, rank 0's clock picks one for all (every rank takes
            // part, whatever its own file says).
            const uint64_t mine = param.random_seed() >= 0
                                      ? static_cast<uint64_t>(param.random_seed())
                                      : strata::ClockSeed() >> 1;
            const uint64_t seed = parallel.Broadcast(mine);
            if (param.random_seed() < 0) param.set_random_seed(static_cast<int64_t>(seed));
          }
          auto solver = strata::CreateSolver(param, &source);
          if (!FLAGS_snapshot.empty()) {
            solver->Restore(FLAGS_snapshot);
          } else {
            for (const std::string& path : weights) {
              LOG(INFO) << "Initializing from " << path;
              solver->net().CopyTrainedLayersFrom(path);
              for (const auto& test_net : solver->test_nets())
                test_net->CopyTrainedLayersFrom(path);
            }
          }
          parallel.Attach(solver.get());
          std::unique_ptr<strata::CsvTrainingLog> log;
          if (!csv.empty() && solver->writes_files()) {
            log = std::make_unique<strata::CsvTrainingLog>(csv, *solver, !FLAGS_snapshot.empty());
          }

          std::signal(SIGINT, OnSigint);
          std::signal(SIGHUP, OnSighup);
          if (parallel.ranks() > 1) std::signal(SIGTERM, OnSigterm);
          solver->SetActionFunction([sigint, sighup] {
            if (g_sigint.exchange(false)) return sigint;
            if (g_sighup.exchange(false)) return sighup;
            return strata::Solver::Action::kNone;
          });
          solver->Solve();

          if (!solver->stopped_early() && solver->last_test_iter() != solver->iter()) {
            solver->TestAll();
          }
          if (!solver->writes_files()) return;
          // The final summary goes to stdout, for scripts.
          for (size_t i = 0; i < solver->last_test_results().size(); ++i) {
            for (const auto& r : solver->last_test_results()[i]) {
              std::cout << "Test net #" << i << " after " << solver->last_test_iter()
                        << " iterations: " << r.name << " = " << r.value << "\n";
            }
          }
          if (!solver->last_snapshot().empty()) {
            std::cout << "Snapshot: " << solver->last_snapshot() << "\n";
          }
          if (!csv.empty()) std::cout << "Training log: " << csv << "\n";
          parallel.PrintSummary();
        });
        return 0;
      });
}
