// Runs the built tools as a user would: exit codes, --help, one-line errors,
// and a tiny convert -> train -> test round trip.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "strata/hdf5.hpp"
#include "strata/random.hpp"
#include "strata/snapshot.hpp"
#include "support/test_util.hpp"
#include "support/tool_runner.hpp"

namespace strata {
namespace {

using Result = testing::ToolResult;
using testing::RunTool;
using testing::Slurp;
using testing::ToolPath;
using testing::WriteGzippedIdx;

TEST(ToolsTest, HelpExitsZeroAndDescribesFlags) {
  for (const char* tool :
       {"train", "test", "time", "classify", "summary", "draw_net", "gradcheck", "convert_mnist",
        "upgrade_net", "compute_image_mean", "convert_imageset", "extract_features"}) {
    const Result r = RunTool(tool, "--help");
    EXPECT_EQ(r.code, 0) << tool;
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << tool << ": " << r.out;
    EXPECT_NE(r.out.find("--"), std::string::npos) << tool;
  }
}

TEST(ToolsTest, MissingRequiredFlagIsUsageError) {
  const Result r = RunTool("train", "");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--solver is required"), std::string::npos) << r.err;
}

TEST(ToolsTest, MalformedSolverGivesFileLineColumnAndExitOne) {
  const std::string dir = testing::MakeTempDir("tools_bad");
  const std::string solver =
      testing::WriteTextFile(dir + "/solver.prototxt", "base_lr: 0.1\nmax_iter: ten\n");
  const Result r = RunTool("train", "--solver=" + solver);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("train: error: " + solver + ":2:", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(ToolsTest, BadNetGivesLayerContextAndExitOne) {
  const std::string dir = testing::MakeTempDir("tools_badnet");
  const std::string net = testing::WriteTextFile(dir + "/net.prototxt", R"(name: "n"
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 } } }
layer { name: "act" type: "ReLu" bottom: "x" top: "y" }
)");
  const std::string solver = testing::WriteTextFile(
      dir + "/solver.prototxt", "net: \"" + net + "\" base_lr: 0.1 lr_policy: \"fixed\"\n");
  const Result r = RunTool("train", "--solver=" + solver);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find(net + ":3:1: layer 'act' (ReLu): unknown layer type 'ReLu'"),
            std::string::npos)
      << r.err;
}

TEST(ToolsTest, ConvertMissingFileNamesPath) {
  const Result r =
      RunTool("convert_mnist", "--images=/nonexistent.gz --labels=/x.gz --output=/tmp/o.h5");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/nonexistent.gz"), std::string::npos) << r.err;
}

TEST(ToolsTest, ConvertTrainAndTestRoundTrip) {
  const std::string dir = testing::MakeTempDir("tools_round_trip");
  // 40 images of 2x2: class 0 is dark, class 1 is bright.
  std::vector<uint8_t> pixels, labels;
  for (int i = 0; i < 40; ++i) {
    const int c = i % 2;
    for (int p = 0; p < 4; ++p) pixels.push_back(static_cast<uint8_t>(c ? 200 + p : 20 + p));
    labels.push_back(static_cast<uint8_t>(c));
  }
  WriteGzippedIdx(dir + "/images.gz", {40, 2, 2}, pixels);
  WriteGzippedIdx(dir + "/labels.gz", {40}, labels);
  Result r = RunTool("convert_mnist", "--images=" + dir + "/images.gz --labels=" + dir +
                                          "/labels.gz --output=" + dir + "/data/train.h5");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Slurp(dir + "/data/train.h5.txt"), "train.h5\n");

  const std::string net = testing::WriteTextFile(dir + "/net.prototxt", R"(name: "n"
layer { name: "data" type: "HDF5Data" top: "data" top: "label"
  hdf5_data_param { source: ")" + dir + R"(/data/train.h5.txt" batch_size: 10 } }
layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc"
  inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
layer { name: "accuracy" type: "Accuracy" bottom: "fc" bottom: "label" top: "accuracy"
  include { phase: TEST } }
)");
  const std::string solver = testing::WriteTextFile(dir + "/solver.prototxt", "net: \"" + net + R"("
test_iter: 4 test_interval: 50 base_lr: 0.5 momentum: 0.9 lr_policy: "fixed" display: 10
max_iter: 50 random_seed: 1 snapshot_prefix: ")" + dir + R"(/snap/n"
)");
  r = RunTool("train", "--solver=" + solver);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("Iteration 10 ("), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("iter/s"), std::string::npos);
  EXPECT_NE(r.err.find("ETA"), std::string::npos);
  EXPECT_NE(r.err.find(", lr = 0.5"), std::string::npos);
  EXPECT_NE(r.out.find("accuracy = 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Snapshot: " + dir + "/snap/n_iter_50.caffemodel"), std::string::npos)
      << r.out;

  r = RunTool("test",
              "--model=" + net + " --weights=" + dir + "/snap/n_iter_50.caffemodel --iterations=4");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("accuracy = 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("loss = "), std::string::npos) << r.out;

  r = RunTool("test", "--model=" + net + " --weights=" + dir + "/missing.caffemodel");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("missing.caffemodel"), std::string::npos) << r.err;
}

// A small classification problem in `dir`: data, net and a solver whose
// extra fields are `solver_fields`. Returns the solver path.
using testing::TinyProblem;

// "Iteration N (...), loss = X" lines, as (N, X) text pairs.
std::vector<std::pair<int, std::string>> LossLines(const std::string& log) {
  std::vector<std::pair<int, std::string>> lines;
  const std::regex pattern(R"(Iteration (\d+) \([^)]*\), loss = (\S+))");
  for (std::sregex_iterator it(log.begin(), log.end(), pattern), end; it != end; ++it) {
    lines.emplace_back(std::stoi((*it)[1]), (*it)[2]);
  }
  return lines;
}

TEST(TrainToolTest, ResumedRunPrintsTheSameLosses) {
  for (const char* format : {"BINARYPROTO", "HDF5"}) {
    const std::string dir = testing::MakeTempDir(std::string("resume_tool_") + format);
    const std::string solver = TinyProblem(
        dir, std::string("type: 'Adam' display: 1 average_loss: 3 max_iter: 40 "
                         "snapshot: 20 test_iter: 2 test_interval: 10 snapshot_format: ") +
                 format);
    Result full = RunTool("train", "--solver=" + solver);
    ASSERT_EQ(full.code, 0) << full.err;
    const std::string state =
        dir + "/snap/tiny_iter_20.solverstate" + (std::string(format) == "HDF5" ? ".h5" : "");
    Result resumed = RunTool("train", "--solver=" + solver + " --snapshot=" + state);
    ASSERT_EQ(resumed.code, 0) << resumed.err;
    auto before = LossLines(full.err), after = LossLines(resumed.err);
    before.erase(std::remove_if(before.begin(), before.end(), [](auto& l) { return l.first < 20; }),
                 before.end());
    ASSERT_EQ(after.size(), 20u) << resumed.err;
    EXPECT_EQ(after, before) << format;
    EXPECT_EQ(full.out, resumed.out);  // final test outputs and snapshot path
  }
}

TEST(TrainToolTest, WrongFileForFlagSaysWhichFlagTakesIt) {
  const std::string dir = testing::MakeTempDir("wrong_flag");
  const std::string solver = TinyProblem(dir, "max_iter: 2");
  ASSERT_EQ(RunTool("train", "--solver=" + solver).code, 0);
  Result r = RunTool("train",
                     "--solver=" + solver + " --snapshot=" + dir + "/snap/tiny_iter_2.caffemodel");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("is a weights file, not a solver state; pass it with --weights"),
            std::string::npos)
      << r.err;
  r = RunTool("train",
              "--solver=" + solver + " --weights=" + dir + "/snap/tiny_iter_2.solverstate");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("is a solver state, not weights; resume from it with --snapshot"),
            std::string::npos)
      << r.err;
  r = RunTool("train", "--solver=" + solver + " --weights=a --snapshot=b");
  EXPECT_EQ(r.code, 2);
  r = RunTool("train", "--solver=" + solver + " --sigint_effect=explode");
  EXPECT_EQ(r.code, 2);
}

TEST(TrainToolTest, FineTuneFromSeveralWeightFilesByLayerName) {
  const std::string dir = testing::MakeTempDir("finetune");
  const std::string solver = TinyProblem(dir, "max_iter: 3 snapshot_format: HDF5");
  ASSERT_EQ(RunTool("train", "--solver=" + solver).code, 0);
  const std::string h5 = dir + "/snap/tiny_iter_3.caffemodel.h5";
  Result r = RunTool("train", "--solver=" + solver + " --weights=" + h5 + "," + h5);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("Initializing from " + h5), std::string::npos);
}

TEST(TrainToolTest, SignalsStopOrSnapshot) {
  const std::string dir = testing::MakeTempDir("signals");
  const std::string solver = TinyProblem(dir, "max_iter: 100000000 display: 1000");
  const std::string train = ToolPath("train");
  // SIGHUP snapshots and goes on; SIGINT then snapshots and stops.
  // Signals go out only once the solver runs (handlers installed), whatever the machine's load.
  const std::string script = train + " --solver=" + solver + " > " + dir + "/out 2> " + dir +
                             "/err & pid=$!; for i in $(seq 200); do grep -q Solving " + dir +
                             "/err && break; sleep 0.05; done; sleep 0.2; kill -HUP $pid; "
                             "sleep 0.5; kill -INT $pid; wait $pid";
  const int status = std::system(("bash -c '" + script + "'").c_str());
  EXPECT_EQ(WEXITSTATUS(status), 0) << Slurp(dir + "/err");
  const std::string err = Slurp(dir + "/err");
  EXPECT_NE(err.find("Optimization stopped early"), std::string::npos) << err;
  int snapshots = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/snap")) {
    snapshots += entry.path().extension() == ".caffemodel";
  }
  EXPECT_EQ(snapshots, 2);
  EXPECT_NE(Slurp(dir + "/out").find("Snapshot: "), std::string::npos);
}

// Whether `dir` holds a .solverstate (complete: snapshots are renamed into place).
bool HasSolverState(const std::string& dir) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".solverstate") return true;
  }
  return false;
}

TEST(TrainToolTest, KillAtAnyMomentLeavesLoadableSnapshots) {
  const std::string dir = testing::MakeTempDir("kills");
  const std::string solver = TinyProblem(dir, "max_iter: 100000000 snapshot: 40 display: 0");
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> delay_ms(60, 400);
  int newest = 0;
  // Issue 7 asks for at least 20 kills at random moments.
  for (int kill_index = 0; kill_index < 24; ++kill_index) {
    const std::string resume =
        newest ? " --snapshot=" + dir + "/snap/tiny_iter_" + std::to_string(newest) + ".solverstate"
               : "";
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const std::string command =
          ToolPath("train") + " --solver=" + solver + resume + " > /dev/null 2>&1";
      execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    // Until a snapshot exists, a run is killed only after writing one: its
    // start-up alone can outlast the delays below (under a sanitizer, beside
    // other tests), and then no kill would ever meet a snapshot being written.
    for (int waited_ms = 0; newest == 0 && !HasSolverState(dir + "/snap") && waited_ms < 60000;
         waited_ms += 10) {
      usleep(10 * 1000);
    }
    usleep(delay_ms(rng) * 1000);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    // Every snapshot on disk is complete and loadable.
    if (!std::filesystem::exists(dir + "/snap")) continue;
    int found = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir + "/snap")) {
      const std::string path = entry.path().string();
      const std::string ext = entry.path().extension().string();
      if (ext == ".caffemodel") {
        NetParameter weights;
        EXPECT_NO_THROW(ReadWeights(path, &weights)) << path;
        ++found;
      } else if (ext == ".solverstate") {
        SolverState state;
        EXPECT_NO_THROW(ReadSolverState(path, &state)) << path;
        newest = std::max(newest, state.iter());
      }
    }
    if (newest > 0) {
      EXPECT_GT(found, 0) << "no snapshot after kill " << kill_index;
    }
  }
  ASSERT_GT(newest, 0) << "no snapshot was ever written";
  // The newest snapshot resumes.
  const std::string last = dir + "/snap/tiny_iter_" + std::to_string(newest) + ".solverstate";
  const std::string final_solver =
      TinyProblem(dir, "snapshot: 40 display: 0 max_iter: " + std::to_string(newest + 3));
  const Result r = RunTool("train", "--solver=" + final_solver + " --snapshot=" + last);
  EXPECT_EQ(r.code, 0) << r.err;
  std::filesystem::remove_all(dir);
}

TEST(TrainToolTest, DebugInfoPrintsPerLayerMagnitudes) {
  const std::string dir = testing::MakeTempDir("debug_info");
  const std::string solver = TinyProblem(dir, "max_iter: 2 debug_info: true");
  const Result r = RunTool("train", "--solver=" + solver);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("    [Forward] Layer fc1, top blob fc1 data: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("    [Forward] Layer fc1, param blob 0 data: "), std::string::npos);
  EXPECT_NE(r.err.find("    [Backward] Layer fc2, bottom blob fc1 diff: "), std::string::npos);
  EXPECT_NE(r.err.find("    [Backward] Layer fc1, param blob 1 diff: "), std::string::npos);
  EXPECT_NE(r.err.find("    [Update] Layer fc2, param 0 data: "), std::string::npos);
}

TEST(TrainToolTest, StageAndLevelSelectLayers) {
  const std::string dir = testing::MakeTempDir("stages");
  const std::string net = testing::WriteTextFile(dir + "/net.prototxt", R"(name: "staged"
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "wide" type: "InnerProduct" bottom: "x" top: "y" include { stage: "wide" }
  inner_product_param { num_output: 7 } }
layer { name: "narrow" type: "InnerProduct" bottom: "x" top: "y" exclude { stage: "wide" }
  inner_product_param { num_output: 2 } }
layer { name: "deep" type: "ReLU" bottom: "y" top: "z" include { min_level: 2 } }
)");
  ASSERT_EQ(
      RunTool("train",
              "--solver=" +
                  testing::WriteTextFile(
                      dir + "/s.prototxt",
                      "net: \"" + net +
                          "\" base_lr: 0.1 lr_policy: 'fixed' max_iter: 1 snapshot_prefix: \"" +
                          dir + "/n\""))
          .code,
      0);
  Result r = RunTool(
      "test", "--model=" + net + " --weights=" + dir + "/n_iter_1.caffemodel --iterations=1");
  EXPECT_EQ(r.code, 0) << r.err;
  // Default state: the narrow layer only; output y is 2 x 2.
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 4) << r.out;
  EXPECT_EQ(r.out.find("z ="), std::string::npos);
  // Stage "wide" swaps in the 7-output layer (its weights are not in the snapshot, so it
  // keeps its initialization), and level 2 adds the ReLU: output z is 2 x 7.
  r = RunTool("test", "--model=" + net + " --weights=" + dir +
                          "/n_iter_1.caffemodel --iterations=1 --stage=wide --level=2");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 14) << r.out;
  EXPECT_EQ(r.out.rfind("z = ", 0), 0u) << r.out;
}

TEST(TrainToolTest, UpgradeNetWritesCurrentForm) {
  const std::string dir = testing::MakeTempDir("upgrade_tool");
  const std::string old = testing::WriteTextFile(
      dir + "/old.prototxt",
      "name: \"o\"\ninput: \"data\"\ninput_dim: 1\ninput_dim: 2\ninput_dim: 1\ninput_dim: 1\n"
      "layers { name: \"r\" type: RELU bottom: \"data\" top: \"out\" }\n");
  Result r = RunTool("upgrade_net", "--input=" + old + " --output=" + dir + "/new.prototxt");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string upgraded = Slurp(dir + "/new.prototxt");
  EXPECT_NE(upgraded.find("type: \"Input\""), std::string::npos) << upgraded;
  EXPECT_NE(upgraded.find("type: \"ReLU\""), std::string::npos);
  EXPECT_EQ(upgraded.find("layers {"), std::string::npos);
  r = RunTool("upgrade_net", "--input=" + dir + "/missing --output=" + dir + "/x");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(RunTool("upgrade_net", "--help").code, 0);
}

TEST(TimeToolTest, PrintsPerLayerAndTotalTimes) {
  const std::string dir = testing::MakeTempDir("time_tool");
  TinyProblem(dir, "max_iter: 1");
  Result r = RunTool("time", "--model=" + dir + "/net.prototxt --iterations=3");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* line : {"Average time per layer (3 iterations):", "fc1   forward: ",
                           "fc1  backward: ", "Average Forward pass: ", "Average Backward pass: ",
                           "Average Forward-Backward: ", "Throughput: "}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " missing from\n" << r.out;
  }
  EXPECT_NE(r.out.find("(batch 16, forward-backward)"), std::string::npos) << r.out;
  r = RunTool("time", "--model=" + dir + "/missing.prototxt");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("missing.prototxt"), std::string::npos) << r.err;
  EXPECT_EQ(RunTool("time", "--model=" + dir + "/net.prototxt --phase=VALIDATE").code, 2);
}

TEST(TrainToolTest, CsvLogAndPlot) {
  const std::string dir = testing::MakeTempDir("csv");
  const std::string solver =
      TinyProblem(dir, "max_iter: 20 display: 5 test_iter: 2 test_interval: 10");
  const Result r = RunTool("train", "--solver=" + solver + " --log_csv=" + dir + "/log.csv");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string csv = Slurp(dir + "/log.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "iteration,seconds,lr,train_loss,test0/loss,test0/accuracy");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 4 + 3) << csv;  // 4 displays, 3 tests
  EXPECT_NE(csv.find("\n5,"), std::string::npos);
  if (std::system("/usr/bin/python3 -c 'import matplotlib' > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "Debian's python3-matplotlib is not installed (scripts/install_deps.sh "
                    "installs it); the plot script was not run";
  }
  const std::string command = "/usr/bin/python3 scripts/plot_training.py " + dir + "/log.csv " +
                              dir + "/plot.png > /dev/null";
  EXPECT_EQ(std::system(command.c_str()), 0);
  EXPECT_GT(std::filesystem::file_size(dir + "/plot.png"), 10000u);
  const std::string bad =
      "/usr/bin/python3 scripts/plot_training.py " + solver + " " + dir + "/x.png 2> /dev/null";
  EXPECT_NE(std::system(bad.c_str()), 0);
}

}  // namespace
}  // namespace strata
