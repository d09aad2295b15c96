// Reading and checking a solver definition before anything trains.
//
// ReadSolverParameter records where each field was written, so that every
// solver-level error reads like a net's: "solver.prototxt:4:1: base_lr is nan".
// ValidateSolverParameter refuses what is meaningless (a NaN or negative rate,
// momentum outside [0, 1], decreasing stepvalues, an inv policy with negative
// gamma, a run that would snapshot without snapshot_prefix, ...) as ConfigError,
// and logs a warning for values Caffe accepted that are probably a mistake.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "solver.pb.h"

namespace strata {

struct SolverSource {
  std::string path;
  // 1-based line and column of each written field, per index for repeated ones.
  std::map<std::string, std::vector<std::pair<int, int>>> fields;

  // "path:line:col: " for `field` (its `index`th value), "path: " when the
  // field was not written, "" when there is no file (a solver built in code).
  std::string Where(const std::string& field, int index = 0) const;
};

// Parses a solver .prototxt (ConfigError "file:line:col: ..." on bad syntax,
// IoError when it cannot be read); fills `source` when given.
SolverParameter ReadSolverParameter(const std::string& path, SolverSource* source = nullptr);

// Every check that does not need the nets. `source` may be null.
void ValidateSolverParameter(const SolverParameter& param, const SolverSource* source);

// The solver type `param` names (type, or the deprecated solver_type enum).
std::string SolverTypeName(const SolverParameter& param);

}  // namespace strata
