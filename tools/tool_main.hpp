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

// A usage error: printed as "<tool>: usage error: ..." with exit code 2.
struct UsageError {
  std::string message;
};

}  // namespace strata::tools
