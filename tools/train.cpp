// train: trains a net from a solver definition.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <csignal>
#include <iostream>
#include <sstream>

#include "strata/solver.hpp"
#include "tool_main.hpp"

DEFINE_string(solver, "", "The solver definition (.prototxt). Required.");
DEFINE_string(weights, "",
              "Initial weights: one or more .caffemodel files, separated by commas, copied by "
              "layer name into the train and test nets (fine-tuning).");

namespace {

strata::Solver* g_solver = nullptr;

void OnSigint(int) {
  if (g_solver != nullptr) g_solver->RequestStop();
}

}  // namespace

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "train",
      "trains a net.\n"
      "Usage: train --solver=solver.prototxt [--weights=a.caffemodel[,b.caffemodel]]\n"
      "Logs loss, learning rate, throughput and ETA; tests every test_interval; writes\n"
      "snapshots to snapshot_prefix. Ctrl-C stops after the current iteration and snapshots.",
      argc, argv, [](int argc, char**) {
        if (argc > 1) throw strata::tools::UsageError{"unexpected argument"};
        if (FLAGS_solver.empty()) throw strata::tools::UsageError{"--solver is required"};
        const strata::SolverParameter param = strata::ReadSolverParameter(FLAGS_solver);
        auto solver = strata::CreateSolver(param);
        if (!FLAGS_weights.empty()) {
          std::stringstream list(FLAGS_weights);
          for (std::string path; std::getline(list, path, ',');) {
            LOG(INFO) << "Initializing from " << path;
            solver->net().CopyTrainedLayersFrom(path);
            for (const auto& test_net : solver->test_nets()) test_net->CopyTrainedLayersFrom(path);
          }
        }
        g_solver = solver.get();
        std::signal(SIGINT, OnSigint);
        solver->Solve();
        g_solver = nullptr;
        // The final summary goes to stdout, for scripts.
        if (solver->last_test_iter() != solver->iter()) solver->TestAll();
        for (size_t i = 0; i < solver->last_test_results().size(); ++i) {
          for (const auto& r : solver->last_test_results()[i]) {
            std::cout << "Test net #" << i << " after " << solver->iter()
                      << " iterations: " << r.name << " = " << r.value << "\n";
          }
        }
        if (!solver->last_snapshot().empty()) {
          std::cout << "Snapshot: " << solver->last_snapshot() << "\n";
        }
        return 0;
      });
}
