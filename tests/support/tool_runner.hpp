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
std::string Slurp(const std::string& path);
// A gzip-compressed IDX file of unsigned bytes, as Fashion-MNIST ships them.
void WriteGzippedIdx(const std::string& path, const std::vector<int>& dims,
                     const std::vector<uint8_t>& values);

}  // namespace strata::testing
