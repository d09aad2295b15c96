// Runs the built tools as a user would: exit codes, --help, one-line errors,
// and a tiny convert -> train -> test round trip.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/test_util.hpp"

namespace strata {
namespace {

struct Result {
  int code;
  std::string out;
  std::string err;
};

std::string ToolPath(const std::string& tool) {
  const char* build = std::getenv("STRATA_BUILD_DIR");
  return std::string(build ? build : "build") + "/tools/" + tool;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Result RunTool(const std::string& tool, const std::string& args) {
  static const std::string dir = testing::MakeTempDir("tools_out");
  const std::string command = ToolPath(tool) + " " + args + " > " + dir + "/out 2> " + dir + "/err";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(dir + "/out"), Slurp(dir + "/err")};
}

void WriteGzippedIdx(const std::string& path, const std::vector<int>& dims,
                     const std::vector<uint8_t>& values) {
  std::string bytes = {0, 0, 8, static_cast<char>(dims.size())};
  for (int d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((d >> shift) & 0xff));
  }
  bytes.append(values.begin(), values.end());
  std::ofstream file(path, std::ios::binary);
  boost::iostreams::filtering_ostream out;
  out.push(boost::iostreams::gzip_compressor());
  out.push(file);
  out << bytes;
}

TEST(ToolsTest, HelpExitsZeroAndDescribesFlags) {
  for (const char* tool : {"train", "test", "convert_mnist"}) {
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
  const Result r = RunTool("convert_mnist", "--images=/nonexistent.gz --labels=/x.gz --output=/tmp/o.h5");
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

  r = RunTool("test", "--model=" + net + " --weights=" + dir + "/snap/n_iter_50.caffemodel --iterations=4");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("accuracy = 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("loss = "), std::string::npos) << r.out;

  r = RunTool("test", "--model=" + net + " --weights=" + dir + "/missing.caffemodel");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("missing.caffemodel"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace strata
