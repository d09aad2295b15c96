#include "tool_main.hpp"

#include <gflags/gflags.h>
#include <glog/logging.h>

DECLARE_bool(help);
DECLARE_bool(helpshort);

#include <csignal>
#include <exception>
#include <iostream>
#include <sstream>
#include <vector>

#include "strata/errors.hpp"

namespace strata::tools {

NetOptions NetOptionsFromFlags(const std::string& stages, int level) {
  NetOptions options;
  options.level = level;
  std::stringstream list(stages);
  for (std::string stage; std::getline(list, stage, ',');) {
    if (!stage.empty()) options.stages.push_back(stage);
  }
  return options;
}

int RunTool(const char* name, const char* usage, int argc, char** argv,
            const std::function<int(int, char**)>& body) {
  gflags::SetUsageMessage(usage);
  gflags::SetVersionString("0.1.0");
  // Progress goes to stderr unless the user asks otherwise.
  FLAGS_logtostderr = true;
  FLAGS_colorlogtostderr = false;
  // gflags' own --help lists every library's flags and exits 1; ours lists the
  // tool's flags and exits 0.
  gflags::ParseCommandLineNonHelpFlags(&argc, &argv, true);
  if (FLAGS_help || FLAGS_helpshort) {
    std::cout << name << ": " << usage << "\n\nFlags:\n";
    std::vector<gflags::CommandLineFlagInfo> flags;
    gflags::GetAllFlags(&flags);
    for (const auto& flag : flags) {
      if (flag.filename.find("tools/") == std::string::npos) continue;
      std::cout << "  --" << flag.name << "  " << flag.description << " (default: \""
                << flag.default_value << "\")\n";
    }
    return 0;
  }
  google::InitGoogleLogging(argv[0]);
  // A file-size limit (ulimit -f) must fail the write with EFBIG, which the
  // tools report, instead of killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  try {
    return body(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << name << ": usage error: " << e.message << " (see " << name << " --help)\n";
    return 2;
  } catch (const Error& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << name << ": error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace strata::tools
