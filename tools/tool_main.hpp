// The common shell of every tool: parse flags, set up logging, run the body,
// and turn errors into one line on stderr.
//   exit 0  success
//   exit 1  the user's input was wrong (strata::Error), or the run failed
//   exit 2  bad command line
#pragma once

#include <chrono>
#include <cstddef>
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

// A tool's new output (a file or a folder) that must not exist yet: an
// existing one is refused and never touched. It is built under a temporary
// name beside `path` (temporaries that killed runs left are removed first) and
// moved into place by Commit(); a run that fails before leaves nothing.
class NewOutput {
 public:
  // `tool` and `how_to_rename` ("--output", "DB_NAME") make the refusal's message.
  NewOutput(const std::string& path, const std::string& tool, const std::string& how_to_rename);
  const std::string& temp() const { return guard_.path(); }
  // IoError if `path` appeared meanwhile (it is left as it is).
  void Commit();

 private:
  std::string path_, tool_;
  TemporaryOutput guard_;
};

// Progress of a long run, logged every 5 seconds and at the end:
// "Processed 300/1000 records, ETA 12 s".
class Progress {
 public:
  Progress(size_t total, std::string unit);
  void Update(size_t done);

 private:
  size_t total_;
  std::string unit_;
  std::chrono::steady_clock::time_point start_, last_;
};

// A usage error: printed as "<tool>: usage error: ..." with exit code 2.
struct UsageError {
  std::string message;
};

}  // namespace strata::tools
