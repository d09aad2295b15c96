// A CSV record of training, one row per display step and per test step:
//   iteration,seconds,lr,train_loss,<test net 0 outputs...>,<test net 1 outputs...>
// Display rows leave the test columns empty; test rows leave lr and train_loss
// empty. Test columns are named "test<i>/<output>" (a repeated name gets
// "#k"). scripts/plot_training.py turns the file into a PNG.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "strata/solver.hpp"

namespace strata {

class CsvTrainingLog : public Solver::Callback {
 public:
  // Writes the header now; IoError when the file cannot be written. With
  // `append` (a resumed run) an existing file is continued: its rows from the
  // solver's current iteration on (logged after the snapshot) are dropped, and
  // the time column goes on from the snapshot's (SolverState elapsed_seconds).
  CsvTrainingLog(const std::string& path, Solver& solver, bool append = false);

  void OnDisplay(int iter, double seconds, float rate, float smoothed_loss) override;
  void OnTest(int iter, double seconds, int net_index,
              const std::vector<OutputAverage>& results) override;

 private:
  void WriteRow(const std::vector<std::string>& cells);
  void KeepRowsBefore(int iter, const std::string& header);

  std::string path_;
  std::ofstream out_;
  std::vector<size_t> first_column_;  // per test net, its first column index
  size_t columns_ = 4;
};

}  // namespace strata
