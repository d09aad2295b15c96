// Hardening (issue 7): bad input through the tools gives one clear line and
// exit 1, never a crash; numerical faults stop training with the layer named;
// a full disk or unwritable folder never costs the previous snapshot; a kill
// at any moment leaves a loadable one; the same run twice is bit-identical.
// docs/reliability.md lists every case with its message.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <regex>

#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/net.hpp"
#include "strata/snapshot.hpp"
#include "strata/solver.hpp"
#include "strata/thread_pool.hpp"
#include "support/test_util.hpp"
#include "support/tool_runner.hpp"

namespace strata {
namespace {

using testing::RunTool;
using testing::ToolResult;

const std::string& kFixtures = testing::kCaffeFixtures;
const std::string kInput =
    R"(layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } } })";

// One line on stderr, exit 1, and every expected fragment in it.
void ExpectOneLineError(const ToolResult& r, const std::vector<std::string>& fragments,
                        const std::string& what) {
  EXPECT_EQ(r.code, 1) << what << "\n" << r.err;
  // glog lines (I/W...) may precede it; the error itself is the last line and the only E line.
  std::string last = r.err;
  while (!last.empty() && last.back() == '\n') last.pop_back();
  last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
  std::cout << "[ message  ] " << what << ": " << last << "\n";  // docs/reliability.md quotes these
  for (const auto& fragment : fragments) {
    EXPECT_NE(last.find(fragment), std::string::npos) << what << ": '" << fragment << "' not in\n"
                                                      << last;
  }
  EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << what;
  EXPECT_EQ(r.err.find("Check failed"), std::string::npos) << what;
}

struct BadNet {
  const char* name;
  std::string text;
  std::vector<std::string> fragments;
};

class BadNetTest : public ::testing::TestWithParam<BadNet> {};

TEST_P(BadNetTest, ToolNamesFileLineAndLayer) {
  const BadNet& c = GetParam();
  const std::string dir = testing::MakeTempDir(std::string("badnet_") + c.name);
  const std::string path = testing::WriteTextFile(dir + "/" + c.name + ".prototxt", c.text);
  ExpectOneLineError(RunTool("summary", "--model=" + path), c.fragments, c.name);
  std::filesystem::remove_all(dir);
}

std::string Layer(const std::string& body) { return kInput + "\nlayer { " + body + " }\n"; }

std::string HugeInput() {
  std::string shapes;
  for (int i = 0; i < 30; ++i) shapes += " shape { dim: 2000000000 }";
  std::string tops;
  for (int i = 0; i < 30; ++i) tops += " top: \"t" + std::to_string(i) + "\"";
  return "layer { name: \"data\" type: \"Input\"" + tops + " input_param {" + shapes + " } }\n";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadNetTest,
    ::testing::Values(
        BadNet{"syntax",
               kInput + "\nlayer { name: \"c\" type: \"ReLU\" bottom: \"data\" top: \"c\"\n",
               {"syntax.prototxt:3:1:", "end of file"}},
        BadNet{
            "unknown_field",
            Layer(
                R"(name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_outputs: 4 })"),
            {"unknown_field.prototxt:2:", "no field named \"num_outputs\""}},
        BadNet{"unknown_type",
               Layer(R"(name: "c" type: "Convolutoin" bottom: "data" top: "c")"),
               {"unknown_type.prototxt:2:1:", "layer 'c'", "did you mean 'Convolution'?"}},
        BadNet{
            "unread_param",
            Layer(R"(name: "r" type: "ReLU" bottom: "data" top: "r" pooling_param { pool: MAX })"),
            {"unread_param.prototxt:2:1:", "layer 'r' (ReLU)", "does not read pooling_param"}},
        BadNet{
            "bottom_count",
            Layer(
                R"(name: "c" type: "InnerProduct" bottom: "data" bottom: "data" top: "c" inner_product_param { num_output: 2 })"),
            {"bottom_count.prototxt:2:1:", "layer 'c' (InnerProduct)", "takes 1 bottom, got 2"}},
        BadNet{"top_count",
               Layer(R"(name: "c" type: "ReLU" bottom: "data" top: "a" top: "b")"),
               {"top_count.prototxt:2:1:", "layer 'c' (ReLU)", "top"}},
        BadNet{"no_producer",
               Layer(R"(name: "c" type: "ReLU" bottom: "dta" top: "c")"),
               {"no_producer.prototxt:2:1:", "bottom 'dta' is not produced by any earlier layer"}},
        BadNet{"duplicate_top",
               kInput + "\nlayer { name: \"a\" type: \"ReLU\" bottom: \"data\" top: \"x\" }\n"
                        "layer { name: \"b\" type: \"Sigmoid\" bottom: \"data\" top: \"x\" }\n",
               {"duplicate_top.prototxt:3:1:", "layer 'b'", "top 'x' is already produced"}},
        BadNet{
            "cycle",
            kInput + "\nlayer { name: \"a\" type: \"Eltwise\" bottom: \"data\" bottom: \"y\" top: "
                     "\"x\" }\n"
                     "layer { name: \"b\" type: \"ReLU\" bottom: \"x\" top: \"y\" }\n",
            {"cycle.prototxt:2:1:", "layer 'a'", "produced only by the later layer 'b'", "cycle"}},
        BadNet{"shape_mismatch",
               kInput + "\nlayer { name: \"i2\" type: \"Input\" top: \"o\" input_param { shape { "
                        "dim: 2 dim: 5 } } }\n"
                        "layer { name: \"e\" type: \"Eltwise\" bottom: \"data\" bottom: \"o\" top: "
                        "\"e\" }\n",
               {"shape_mismatch.prototxt:3:1:", "layer 'e' (Eltwise)", "(2,5)", "(2,3,8,8)"}},
        BadNet{
            "conv_geometry",
            Layer(
                R"(name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 4 kernel_size: 11 })"),
            {"conv_geometry.prototxt:2:1:", "layer 'c' (Convolution)", "11x11 kernel",
             "(2,3,8,8)"}},
        BadNet{
            "pool_geometry",
            Layer(
                R"(name: "p" type: "Pooling" bottom: "data" top: "p" pooling_param { pool: MAX kernel_size: 9 })"),
            {"pool_geometry.prototxt:2:1:", "layer 'p' (Pooling)", "9x9 window", "(2,3,8,8)"}},
        BadNet{
            "num_output_zero",
            Layer(
                R"(name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 0 kernel_size: 3 })"),
            {"num_output_zero.prototxt:2:1:", "layer 'c'", "num_output must be set and positive"}},
        BadNet{
            "negative_size",
            R"(layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: -3 } } })",
            {"negative_size.prototxt:1:1:", "layer 'data' (Input)", "-3"}},
        BadNet{
            "int_overflow",
            R"(layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 100000 dim: 100000 dim: 1000 } } })",
            {"int_overflow.prototxt:1:1:", "(100000,100000,1000)",
             "more than 2147483647 elements"}},
        BadNet{
            "weights_overflow",
            Layer(
                R"(name: "fc" type: "InnerProduct" bottom: "data" top: "fc" inner_product_param { num_output: 2000000000 })"),
            {"weights_overflow.prototxt:2:1:", "layer 'fc' (InnerProduct)",
             "more than 2147483647 elements"}},
        BadNet{"exhausts_memory",
               HugeInput(),
               {"exhausts_memory.prototxt", "needs about", "GB", "more than this machine's"}}),
    [](const ::testing::TestParamInfo<BadNet>& info) { return std::string(info.param.name); });

class HardeningTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("hardening"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(HardeningTest, BadWeightFilesAreNamedNotLoaded) {
  if (!std::filesystem::exists(kFixtures))
    GTEST_FAIL() << kFixtures << " is missing: the repository holds it";
  const std::string good = kFixtures + "/lenet_fashion_iter_10000.caffemodel";
  const std::string bytes = testing::Slurp(good);
  testing::WriteTextFile(dir_ + "/truncated.caffemodel", bytes.substr(0, bytes.size() / 3));
  testing::WriteTextFile(dir_ + "/empty.caffemodel", "");
  std::string noise(50000, '\0');
  std::mt19937 rng(3);
  for (char& c : noise) c = static_cast<char>(rng());
  testing::WriteTextFile(dir_ + "/random.caffemodel", noise);
  const std::string h5 = testing::Slurp(good + ".h5");
  testing::WriteTextFile(dir_ + "/truncated.caffemodel.h5", h5.substr(0, h5.size() / 3));
  const std::string model =
      "--model=" + kFixtures + "/lenet_deploy.prototxt --iterations=1 --weights=";
  ExpectOneLineError(RunTool("test", model + dir_ + "/truncated.caffemodel"),
                     {"truncated.caffemodel", "not a weights file"}, "truncated");
  ExpectOneLineError(RunTool("test", model + dir_ + "/empty.caffemodel"),
                     {"empty.caffemodel", "empty (0 bytes)"}, "empty");
  ExpectOneLineError(RunTool("test", model + dir_ + "/random.caffemodel"),
                     {"random.caffemodel", "not a weights file"}, "random");
  ExpectOneLineError(RunTool("test", model + dir_ + "/truncated.caffemodel.h5"),
                     {"truncated.caffemodel.h5"}, "truncated h5");
  ExpectOneLineError(
      RunTool("test", model + kFixtures + "/coverage_iter_30.caffemodel"),
      {"coverage_iter_30.caffemodel", "layer 'conv1' blob 0", "(8,3,3,3)", "(20,1,5,5)"},
      "another net's weights");
  // Weights whose layer names share nothing with the net.
  NetParameter foreign;
  LayerParameter* layer = foreign.add_layer();
  layer->set_name("elsewhere");
  Blob blob({2, 2});
  blob.ToProto(layer->add_blobs());
  WriteWeights(foreign, dir_ + "/foreign.caffemodel", false, false);
  // (A warning, not an error: a stage variant of a net may share no layer with its weights.)
  const ToolResult foreign_run = RunTool("test", model + dir_ + "/foreign.caffemodel");
  EXPECT_EQ(foreign_run.code, 0) << foreign_run.err;
  EXPECT_NE(foreign_run.err.find("none of the 1 layers with weights in the file (e.g. 'elsewhere') "
                                 "is a layer of net 'LeNet': nothing was copied"),
            std::string::npos)
      << foreign_run.err;
}

// A net on an HDF5 file list, for the data cases.
std::string Hdf5Net(const std::string& dir, const std::string& list) {
  return testing::WriteTextFile(dir + "/net.prototxt", R"(name: "h"
layer { name: "data" type: "HDF5Data" top: "data" top: "label"
  hdf5_data_param { source: ")" + list + R"(" batch_size: 4 } }
layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" inner_product_param { num_output: 3 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
)");
}

TEST_F(HardeningTest, BadDataIsNamedWithFileAndValue) {
  // Missing file in the list.
  testing::WriteTextFile(dir_ + "/missing.txt", dir_ + "/nothere.h5\n");
  ExpectOneLineError(RunTool("test", "--model=" + Hdf5Net(dir_, dir_ + "/missing.txt") +
                                         " --weights=" + dir_ + "/none --iterations=1"),
                     {"nothere.h5"}, "missing hdf5");
  // Truncated HDF5.
  testing::WriteClusterHdf5(dir_ + "/good.h5", 16, 5, 3, 1.f, 1.f, 1);
  const std::string bytes = testing::Slurp(dir_ + "/good.h5");
  testing::WriteTextFile(dir_ + "/cut.h5", bytes.substr(0, bytes.size() / 2));
  testing::WriteTextFile(dir_ + "/cut.txt", dir_ + "/cut.h5\n");
  ExpectOneLineError(
      RunTool("summary", "--phase=TRAIN --model=" + Hdf5Net(dir_, dir_ + "/cut.txt")), {"cut.h5"},
      "truncated hdf5");
  // NaN in the inputs; a label out of range for the loss.
  std::vector<float> data(16 * 5, 0.5f), label(16, 1.f);
  data[7 * 5 + 2] = std::nanf("");
  {
    Hdf5File file(dir_ + "/nan.h5", Hdf5File::Mode::kTruncate);
    file.Write("data", {16, 5}, data.data());
    file.Write("label", {16}, label.data());
  }
  testing::WriteTextFile(dir_ + "/nan.txt", dir_ + "/nan.h5\n");
  ExpectOneLineError(
      RunTool("summary", "--phase=TRAIN --model=" + Hdf5Net(dir_, dir_ + "/nan.txt")),
      {"nan.h5", "dataset 'data' holds NaN at row 7, element 2"}, "nan");
  data[7 * 5 + 2] = 0.f;
  label[5] = 7.f;
  {
    Hdf5File file(dir_ + "/label.h5", Hdf5File::Mode::kTruncate);
    file.Write("data", {16, 5}, data.data());
    file.Write("label", {16}, label.data());
  }
  testing::WriteTextFile(dir_ + "/label.txt", dir_ + "/label.h5\n");
  const std::string solver = testing::WriteTextFile(
      dir_ + "/solver.prototxt",
      "net: \"" + Hdf5Net(dir_, dir_ + "/label.txt") +
          "\" base_lr: 0.1 max_iter: 4 lr_policy: \"fixed\" snapshot_after_train: false");
  ExpectOneLineError(RunTool("train", "--solver=" + solver),
                     {"layer 'loss' (SoftmaxWithLoss)", "label 7", "position 1"}, "label range");
  // Missing and truncated LMDB.
  const std::string lmdb_net = testing::WriteTextFile(dir_ + "/lmdb.prototxt", R"(
layer { name: "data" type: "Data" top: "data" top: "label"
  data_param { source: ")" + dir_ + R"(/db" batch_size: 4 backend: LMDB } })");
  ExpectOneLineError(RunTool("summary", "--model=" + lmdb_net),
                     {"lmdb.prototxt:2:1:", "layer 'data' (Data)", "/db", "not an LMDB folder"},
                     "no lmdb");
  std::filesystem::create_directories(dir_ + "/db");
  testing::WriteTextFile(dir_ + "/db/data.mdb", bytes.substr(0, 100));
  ExpectOneLineError(RunTool("summary", "--model=" + lmdb_net), {"layer 'data' (Data)", "/db"},
                     "truncated lmdb");
  // IDX: missing, truncated, and of the wrong element type.
  auto convert = [&](const std::string& images, const std::string& labels) {
    return RunTool("convert_mnist",
                   "--images=" + images + " --labels=" + labels + " --output=" + dir_ + "/out.h5");
  };
  ExpectOneLineError(convert(dir_ + "/none.gz", dir_ + "/none-labels.gz"), {"none.gz"},
                     "missing idx");
  testing::WriteGzippedIdx(dir_ + "/images.gz", {10, 4, 4}, std::vector<uint8_t>(80, 1));
  testing::WriteGzippedIdx(dir_ + "/labels.gz", {10}, std::vector<uint8_t>(10, 1));
  ExpectOneLineError(convert(dir_ + "/images.gz", dir_ + "/labels.gz"), {"images.gz", "truncated"},
                     "truncated idx");
  std::string floats = {0, 0, 0x0D, 1, 0, 0, 0, 2};
  floats += std::string(8, '\0');
  testing::WriteTextFile(dir_ + "/floats.idx", floats);
  ExpectOneLineError(convert(dir_ + "/floats.idx", dir_ + "/labels.gz"),
                     {"floats.idx", "IDX value type 0x0D is not supported"}, "idx dtype");
}

TEST_F(HardeningTest, NonFiniteValuesNameTheFirstLayer) {
  NetParameter param = testing::ParseNet(R"(
    state { phase: TRAIN }
    layer { name: "data" type: "DummyData" top: "x" top: "t"
      dummy_data_param { shape { dim: 2 dim: 3 } shape { dim: 2 dim: 1 }
        data_filler { type: "gaussian" } data_filler { type: "constant" value: 1 } } }
    layer { name: "fc1" type: "InnerProduct" bottom: "x" top: "h" inner_product_param { num_output: 4 } }
    layer { name: "act" type: "Exp" bottom: "h" top: "e" }
    layer { name: "fc2" type: "InnerProduct" bottom: "e" top: "y" inner_product_param { num_output: 1 } }
    layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "loss" })");
  Net net(param);
  net.ForwardBackward();
  EXPECT_EQ(net.FindNonFiniteForward(), "");
  EXPECT_EQ(net.FindNonFiniteBackward(), "");
  // A huge weight overflows exp: the first non-finite top is act's.
  net.layer_by_name("fc1")->blobs()[0]->mutable_data()[0] = 1e30f;
  net.ForwardBackward();
  const std::string forward = net.FindNonFiniteForward();
  EXPECT_NE(forward.find("layer 'act' (Exp): forward produced inf in top 'e'"), std::string::npos)
      << forward;
  // NaN in a parameter is found before any top.
  net.layer_by_name("fc1")->blobs()[0]->mutable_data()[0] = 0.1f;
  net.ForwardBackward();
  net.layer_by_name("fc2")->blobs()[1]->mutable_data()[0] = std::nanf("");
  EXPECT_NE(net.FindNonFiniteForward().find("layer 'fc2' (InnerProduct): parameter 1 holds nan"),
            std::string::npos)
      << net.FindNonFiniteForward();
  // Backward: the first gradient from the loss down.
  net.layer_by_name("fc2")->blobs()[1]->mutable_data()[0] = 0.f;
  net.ClearParamDiffs();
  net.ForwardBackward();
  ASSERT_EQ(net.FindNonFiniteForward(), "");
  ASSERT_EQ(net.FindNonFiniteBackward(), "");
  net.layer_by_name("fc2")->blobs()[0]->mutable_diff()[0] = std::nanf("");
  EXPECT_NE(net.FindNonFiniteBackward().find("layer 'fc2' (InnerProduct): backward produced nan "
                                             "in the gradient of parameter 0"),
            std::string::npos)
      << net.FindNonFiniteBackward();
}

TEST_F(HardeningTest, CheckFiniteStopsADivergingRunWithASnapshot) {
  // A learning rate of 1e4 on the tiny problem diverges within a few iterations.
  std::string text = testing::Slurp(testing::TinyProblem(dir_, "max_iter: 200 display: 0"));
  text.replace(text.find("base_lr: 0.05"), 13, "base_lr: 10000");
  const std::string solver = testing::WriteTextFile(dir_ + "/diverge.prototxt", text);
  const ToolResult r = RunTool("train", "--solver=" + solver + " --check_finite");
  ExpectOneLineError(r, {"train: error: iteration ", "layer '", "; training stopped, snapshot "},
                     "check_finite");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex(R"(iteration (\d+): .*layer '(\w+)')")))
      << r.err;
  const int iteration = std::stoi(m[1]);
  EXPECT_GT(iteration, 0) << "diverged at once?";
  // The snapshot is there and loads.
  const std::string model = dir_ + "/snap/tiny_iter_" + std::to_string(iteration) + ".caffemodel";
  NetParameter weights;
  EXPECT_NO_THROW(ReadWeights(model, &weights)) << model;
  // Without the flag the run goes on to the end, NaN and all.
  EXPECT_EQ(RunTool("train", "--solver=" + solver).code, 0);
}

TEST_F(HardeningTest, FullDiskOrUnwritableFolderKeepsThePreviousSnapshot) {
  const std::string solver = testing::TinyProblem(dir_, "max_iter: 10 snapshot: 10 display: 0");
  ASSERT_EQ(RunTool("train", "--solver=" + solver).code, 0);
  const std::string first = dir_ + "/snap/tiny_iter_10";
  const std::string model = testing::Slurp(first + ".caffemodel");
  ASSERT_FALSE(model.empty());
  // Resume and snapshot again with a file-size limit below a snapshot's size: "disk full".
  const std::string longer = testing::TinyProblem(dir_, "max_iter: 20 snapshot: 10 display: 0");
  const std::string limit = std::to_string(model.size() / 1024 / 2);  // ulimit -f counts KB
  // (The limit covers the captured stderr too: only warnings and errors are logged.)
  const std::string command = "ulimit -f " + limit + " && exec " + testing::ToolPath("train") +
                              " --minloglevel=1 --solver=" + longer + " --snapshot=" + first +
                              ".solverstate";
  ToolResult r = testing::RunShell(command);
  ExpectOneLineError(r, {"tiny_iter_20", "File too large"}, "file size limit");
  EXPECT_EQ(testing::Slurp(first + ".caffemodel"), model) << "the previous snapshot changed";
  NetParameter weights;
  EXPECT_NO_THROW(ReadWeights(first + ".caffemodel", &weights));
  for (const auto& entry : std::filesystem::directory_iterator(dir_ + "/snap")) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
        << "left behind: " << entry.path();
  }
  // A snapshot folder that cannot be made (a file stands where the folder should be).
  testing::WriteTextFile(dir_ + "/blocked", "a file");
  std::string blocked_text = testing::Slurp(longer);
  blocked_text.replace(blocked_text.find(dir_ + "/snap/tiny"), dir_.size() + 10,
                       dir_ + "/blocked/tiny");
  const std::string blocked =
      testing::WriteTextFile(dir_ + "/blocked_solver.prototxt", blocked_text);
  r = RunTool("train", "--solver=" + blocked + " --snapshot=" + first + ".solverstate");
  ExpectOneLineError(r, {dir_ + "/blocked", "cannot create snapshot folder"}, "blocked folder");
  EXPECT_EQ(testing::Slurp(first + ".caffemodel"), model);
}

TEST_F(HardeningTest, SameSeedAndThreadsGiveBitIdenticalLosses) {
  const std::string solver_path = testing::TinyProblem(dir_, "max_iter: 60 display: 0");
  auto run = [&] {
    auto solver = CreateSolver(ReadSolverParameter(solver_path));
    std::vector<float> losses;
    for (int i = 0; i < 60; ++i) {
      solver->Step(1);
      losses.push_back(solver->last_loss());
    }
    return losses;
  };
  const testing::ScopedThreads threads_guard;
  SetNumThreads(2);
  const std::vector<float> a = run(), b = run();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(std::memcmp(&a[i], &b[i], sizeof(float)), 0)
        << "iteration " << i << ": " << a[i] << " vs " << b[i];
  }
}

}  // namespace
}  // namespace strata
