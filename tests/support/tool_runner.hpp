// Runs a built tool as a user would, capturing exit code, stdout and stderr.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata::testing {

struct ToolResult {
  int code;
  std::string out;
  std::string err;
};

// build/tools/<tool> (the build folder comes from $STRATA_BUILD_DIR).
std::string ToolPath(const std::string& tool);
// `args` go through the shell as written.
ToolResult RunTool(const std::string& tool, const std::string& args);
// Any shell command line, captured the same way.
ToolResult RunShell(const std::string& command);
std::string Slurp(const std::string& path);
// The bytes of an IDX file of unsigned bytes (header, big-endian dims, values).
std::string IdxBytes(const std::vector<int>& dims, const std::vector<uint8_t>& values);
// A gzip-compressed IDX file of unsigned bytes, as Fashion-MNIST ships them.
void WriteGzippedIdx(const std::string& path, const std::vector<int>& dims,
                     const std::vector<uint8_t>& values);

// A tiny training problem in `dir`: 120 rows of 4 Gaussian clusters in HDF5,
// a 8-64-4 MLP (fc1, relu, fc2, loss; accuracy in TEST), and a solver with
// base_lr 0.05, momentum 0.9, snapshots to <dir>/snap/tiny, plus
// `solver_fields`. Returns the solver's path.
std::string TinyProblem(const std::string& dir, const std::string& solver_fields);

}  // namespace strata::testing
