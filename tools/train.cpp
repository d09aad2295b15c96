// train: trains a net from a solver definition, or resumes a snapshot.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <vector>

#include "strata/solver.hpp"
#include "strata/training_log.hpp"
#include "tool_main.hpp"

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
DEFINE_bool(check_finite, false,
            "After every forward and backward, stop at the first NaN or infinity: name the "
            "layer and blob, write a snapshot, exit 1 (the solver field check_finite).");

namespace {

std::atomic<bool> g_sigint{false};
std::atomic<bool> g_sighup{false};

void OnSigint(int) { g_sigint = true; }
void OnSighup(int) { g_sighup = true; }

strata::Solver::Action ParseEffect(const std::string& flag, const std::string& value) {
  if (value == "stop") return strata::Solver::Action::kStop;
  if (value == "snapshot") return strata::Solver::Action::kSnapshot;
  if (value == "none") return strata::Solver::Action::kNone;
  throw strata::tools::UsageError{"--" + flag + " must be stop, snapshot or none, not '" + value +
                                  "'"};
}

}  // namespace

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "train",
      "trains a net.\n"
      "Usage: train --solver=solver.prototxt [--weights=a.caffemodel[,b.caffemodel]]\n"
      "       train --solver=solver.prototxt --snapshot=net_iter_1000.solverstate\n"
      "Logs loss, learning rate, throughput and ETA; tests every test_interval; writes\n"
      "snapshots to snapshot_prefix. Ctrl-C stops after the current iteration and snapshots.",
      argc, argv, [](int argc, char**) {
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
        auto solver = strata::CreateSolver(param, &source);
        if (!FLAGS_snapshot.empty()) {
          solver->Restore(FLAGS_snapshot);
        } else {
          for (const std::string& path : weights) {
            LOG(INFO) << "Initializing from " << path;
            solver->net().CopyTrainedLayersFrom(path);
            for (const auto& test_net : solver->test_nets()) test_net->CopyTrainedLayersFrom(path);
          }
        }
        const std::string csv = FLAGS_log_csv.empty() ? param.log_csv() : FLAGS_log_csv;
        std::unique_ptr<strata::CsvTrainingLog> log;
        if (!csv.empty()) {
          log = std::make_unique<strata::CsvTrainingLog>(csv, *solver, !FLAGS_snapshot.empty());
        }

        std::signal(SIGINT, OnSigint);
        std::signal(SIGHUP, OnSighup);
        solver->SetActionFunction([sigint, sighup] {
          if (g_sigint.exchange(false)) return sigint;
          if (g_sighup.exchange(false)) return sighup;
          return strata::Solver::Action::kNone;
        });
        solver->Solve();

        // The final summary goes to stdout, for scripts.
        if (!solver->stopped_early() && solver->last_test_iter() != solver->iter()) {
          solver->TestAll();
        }
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
        return 0;
      });
}
