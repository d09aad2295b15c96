#include "tool_main.hpp"

#include <gflags/gflags.h>
#include <glog/logging.h>

DECLARE_bool(help);
DECLARE_bool(helpshort);

#include <csignal>
#include <exception>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <vector>

#include "strata/errors.hpp"
#include "strata/io.hpp"

namespace strata::tools {

TemporaryOutput::~TemporaryOutput() {
  std::error_code ignored;
  if (!keep_) std::filesystem::remove_all(path_, ignored);
}

namespace {

void RefuseExisting(const std::string& path, const std::string& tool, const std::string& hint) {
  std::error_code error;
  if (std::filesystem::exists(std::filesystem::symlink_status(path, error))) {
    throw IoError(path + ": already exists; " + tool +
                  " does not overwrite (remove it first or "
                  "choose another " +
                  hint + ")");
  }
}

std::string PrepareTemp(const std::string& path) {
  const std::filesystem::path target(path);
  const std::filesystem::path folder =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  std::filesystem::create_directories(folder);
  RemoveStaleTempFiles(folder.string(), target.filename().string() + ".");
  return path + TempSuffix();
}

}  // namespace

NewOutput::NewOutput(const std::string& path, const std::string& tool,
                     const std::string& how_to_rename)
    : path_(path),
      tool_(tool),
      guard_((RefuseExisting(path, tool, how_to_rename), PrepareTemp(path))) {}

void NewOutput::Commit() {
  std::error_code error;
  if (std::filesystem::exists(std::filesystem::symlink_status(path_, error))) {
    throw IoError(path_ + ": appeared while " + tool_ + " ran; left as it is");
  }
  if (std::filesystem::is_directory(temp())) {
    std::filesystem::rename(temp(), path_);
  } else {
    CommitFile(temp(), path_);
  }
  guard_.keep();
}

Progress::Progress(size_t total, std::string unit)
    : total_(total),
      unit_(std::move(unit)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void Progress::Update(size_t done) {
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_ < std::chrono::seconds(5)) return;
  last_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  LOG(INFO) << "Processed " << done << "/" << total_ << " " << unit_ << ", ETA "
            << static_cast<int>(done ? seconds / done * (total_ - done) : 0) << " s";
}

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> entries;
  size_t begin = 0;
  for (size_t comma; (comma = list.find(',', begin)) != std::string::npos; begin = comma + 1) {
    entries.push_back(list.substr(begin, comma - begin));
  }
  entries.push_back(list.substr(begin));
  return entries;
}

NetOptions NetOptionsFromFlags(const std::string& stages, int level) {
  NetOptions options;
  options.level = level;
  std::stringstream list(stages);
  for (std::string stage; std::getline(list, stage, ',');) {
    if (!stage.empty()) options.stages.push_back(stage);
  }
  return options;
}

namespace {

// gflags exits 1 on an unknown flag or a bad value; a bad command line exits
// 2 in every tool. So each flag is checked here first, without side effects
// that parsing would not repeat: "" when all are fine, else the complaint.
std::string CheckFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;
    arg = arg.substr(arg[1] == '-' ? 2 : 1);
    const size_t equals = arg.find('=');
    const std::string flag = arg.substr(0, equals);
    gflags::CommandLineFlagInfo info;
    if (!gflags::GetCommandLineFlagInfo(flag.c_str(), &info)) {
      gflags::CommandLineFlagInfo negated;
      if (flag.compare(0, 2, "no") == 0 &&
          gflags::GetCommandLineFlagInfo(flag.substr(2).c_str(), &negated) &&
          negated.type == "bool" && equals == std::string::npos) {
        continue;
      }
      return "unknown flag --" + flag;
    }
    std::string value;
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (info.type == "bool") {
      continue;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return "--" + flag + " needs a value";
    }
    // Parsing the value into the flag checks it (gflags' own parse repeats it).
    if (gflags::SetCommandLineOption(flag.c_str(), value.c_str()).empty()) {
      return "--" + flag + "=" + value + " is not a valid " + info.type;
    }
  }
  return "";
}

}  // namespace

int RunTool(const char* name, const char* usage, int argc, char** argv,
            const std::function<int(int, char**)>& body) {
  gflags::SetUsageMessage(usage);
  gflags::SetVersionString("0.1.0");
  // Progress goes to stderr unless the user asks otherwise.
  FLAGS_logtostderr = true;
  FLAGS_colorlogtostderr = false;
  // gflags' own --help lists every library's flags and exits 1; ours lists the
  // tool's flags and exits 0.
  const std::string bad_flag = CheckFlags(argc, argv);
  if (!bad_flag.empty()) {
    std::cerr << name << ": usage error: " << bad_flag << " (see " << name << " --help)\n";
    return 2;
  }
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
