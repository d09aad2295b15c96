// The common shell of every tool: parse flags, set up logging, run the body,
// and turn errors into one line on stderr.
//   exit 0  success
//   exit 1  the user's input was wrong (strata::Error), or the run failed
//   exit 2  bad command line
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "strata/net.hpp"

namespace strata::tools {

// `usage` is shown by --help (gflags adds the flag list). `body` gets the
// arguments left after flags.
int RunTool(const char* name, const char* usage, int argc, char** argv,
            const std::function<int(int argc, char** argv)>& body);

// "a,b,,c" -> {"a", "b", "", "c"}: every entry, empty ones too.
std::vector<std::string> SplitList(const std::string& list);

// NetOptions from the common --stage (comma-separated) and --level flags.
NetOptions NetOptionsFromFlags(const std::string& stages, int level);

// A tool's output under construction (a temporary file or folder): removed
// when the guard goes out of scope unless keep() was called, so a failed run
// leaves nothing half-written.
class TemporaryOutput {
 public:
  explicit TemporaryOutput(std::string path) : path_(std::move(path)) {}
  ~TemporaryOutput();
  TemporaryOutput(const TemporaryOutput&) = delete;
  TemporaryOutput& operator=(const TemporaryOutput&) = delete;
  const std::string& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

// A usage error: printed as "<tool>: usage error: ..." with exit code 2.
struct UsageError {
  std::string message;
};

}  // namespace strata::tools
