// Reliability, round two (issue 25): the classes a red team broke, each
// through the tools as a user meets it. docs/reliability.md lists them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "blob.pb.h"
#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/io.hpp"
#include "strata/lmdb.hpp"
#include "strata/net.hpp"
#include "strata/snapshot.hpp"
#include "support/test_util.hpp"
#include "support/tool_runner.hpp"

namespace strata {
namespace {

using testing::RunTool;
using testing::ToolResult;

std::string LastLine(const std::string& text) {
  std::string last = text;
  while (!last.empty() && last.back() == '\n') last.pop_back();
  const size_t cut = last.rfind('\n');
  return cut == std::string::npos ? last : last.substr(cut + 1);
}

// Exit `code`, and every fragment in the last line of stderr.
void ExpectError(const ToolResult& r, int code, const std::vector<std::string>& fragments,
                 const std::string& what) {
  EXPECT_EQ(r.code, code) << what << "\n" << r.err;
  const std::string last = LastLine(r.err);
  std::cout << "[ message  ] " << what << ": " << last << "\n";
  for (const auto& fragment : fragments) {
    EXPECT_NE(last.find(fragment), std::string::npos) << what << ": '" << fragment << "' not in\n"
                                                      << last;
  }
}

class ReliabilityTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("reliability"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

// A solver for TinyProblem's net with `fields` as written (base fields omitted).
std::string SolverFile(const std::string& dir, const std::string& name, const std::string& fields) {
  return testing::WriteTextFile(dir + "/" + name + ".prototxt",
                                "net: \"" + dir + "/net.prototxt\"\n" + fields + "\n");
}

TEST_F(ReliabilityTest, MeaninglessSolverValuesAreRefusedWithFileAndLine) {
  testing::TinyProblem(dir_, "");
  const std::string base = "max_iter: 5 snapshot_after_train: false\n";
  struct Case {
    const char* name;
    std::string fields;
    std::vector<std::string> fragments;
  };
  const std::vector<Case> cases = {
      {"lr_nan",
       base + "lr_policy: 'fixed'\nbase_lr: nan",
       {"lr_nan.prototxt:4:1:", "base_lr is nan"}},
      {"decay_nan",
       base + "lr_policy: 'fixed' base_lr: 0.1\nweight_decay: nan",
       {"decay_nan.prototxt:4:1:", "weight_decay is nan"}},
      {"lr_negative",
       base + "lr_policy: 'fixed'\nbase_lr: -0.1",
       {"lr_negative.prototxt:4:1:", "negative rate"}},
      {"momentum_big",
       base + "lr_policy: 'fixed' base_lr: 0.1\nmomentum: 1.5",
       {"momentum_big.prototxt:4:1:", "momentum is 1.5", "[0, 1]"}},
      {"momentum_negative",
       base + "lr_policy: 'fixed' base_lr: 0.1\nmomentum: -0.1",
       {"momentum_negative.prototxt:4:1:", "momentum is -0.1"}},
      {"inv_gamma",
       base + "lr_policy: 'inv' base_lr: 0.1 power: 0.75\ngamma: -0.5",
       {"inv_gamma.prototxt:4:1:", "gamma is -0.5", "'inv'"}},
      {"multistep",
       base + "lr_policy: 'multistep' base_lr: 0.1 gamma: 0.1\nstepvalue: 100\nstepvalue: 50",
       {"multistep.prototxt:5:1:", "stepvalue 50 follows 100"}},
      {"policy",
       base + "base_lr: 0.1\nlr_policy: 'stepp'",
       {"policy.prototxt:4:1:", "unknown lr_policy 'stepp'"}},
      {"no_prefix",
       "max_iter: 5 lr_policy: 'fixed' base_lr: 0.1\nsnapshot: 2",
       {"no_prefix.prototxt:3:1:", "no snapshot_prefix"}},
      {"no_prefix_after_train",
       "max_iter: 5 lr_policy: 'fixed' base_lr: 0.1",
       {"no_prefix_after_train.prototxt:", "snapshot_after_train", "no snapshot_prefix"}},
      {"type",
       base + "lr_policy: 'fixed' base_lr: 0.1\ntype: 'Lion'",
       {"type.prototxt:4:1:", "unknown solver type 'Lion'"}},
      {"test_iter",
       base + "lr_policy: 'fixed' base_lr: 0.1\ntest_iter: 0",
       {"test_iter.prototxt:4:1:", "test_iter must be at least 1"}},
  };
  for (const auto& c : cases) {
    const ToolResult r = RunTool("train", "--solver=" + SolverFile(dir_, c.name, c.fields));
    ExpectError(r, 1, c.fragments, c.name);
    EXPECT_EQ(r.err.find("Iteration 0"), std::string::npos)
        << c.name << ": trained before refusing";
  }
  // A net file that is missing names the solver line that gave it.
  testing::WriteTextFile(dir_ + "/missing_net.prototxt",
                         "max_iter: 1 lr_policy: 'fixed'\nnet: 'nowhere.prototxt'");
  ExpectError(RunTool("train", "--solver=" + dir_ + "/missing_net.prototxt"), 1,
              {"missing_net.prototxt:2:1: net: nowhere.prototxt: cannot open"}, "missing net");
}

TEST_F(ReliabilityTest, NonFiniteLearningRateIsBlamedOnTheSchedule) {
  testing::TinyProblem(dir_, "");
  const std::string solver = SolverFile(dir_, "exp",
                                        "max_iter: 20 snapshot_after_train: false "
                                        "lr_policy: 'exp' base_lr: 0.01 gamma: 1e30");
  ExpectError(RunTool("train", "--check_finite --solver=" + solver), 1,
              {"iteration 2", "the learning rate is inf", "lr_policy 'exp'"}, "lr inf");
}

// Trains `iterations` with snapshots every 10; returns the solver path.
std::string TrainTiny(const std::string& dir, int iterations, const std::string& extra,
                      const std::string& flags = "") {
  const std::string solver = testing::TinyProblem(
      dir, "max_iter: " + std::to_string(iterations) +
               " snapshot: 10 display: 5 test_iter: 2 test_interval: 10 " + extra);
  const ToolResult r = RunTool("train", "--solver=" + solver + " " + flags);
  EXPECT_EQ(r.code, 0) << r.err;
  return solver;
}

TEST_F(ReliabilityTest, RestoredStateFieldsAreRangeChecked) {
  const std::string solver = TrainTiny(dir_, 20, "");
  const std::string state_path = dir_ + "/snap/tiny_iter_10.solverstate";
  SolverState good;
  ReadSolverState(state_path, &good);
  struct Case {
    const char* name;
    void (*edit)(SolverState*);
    std::string fragment;
  };
  const std::vector<Case> cases = {
      {"iter_min", [](SolverState* s) { s->set_iter(INT_MIN); }, "iter is -2147483648"},
      {"iter_past", [](SolverState* s) { s->set_iter(1000); }, "past this solver's max_iter 20"},
      {"step_negative", [](SolverState* s) { s->set_current_step(-5); }, "current_step is -5"},
      {"step_huge", [](SolverState* s) { s->set_current_step(INT_MAX); },
       "current_step is 2147483647"},
      {"window", [](SolverState* s) { s->set_loss_window_position(-1); },
       "loss_window_position -1"},
  };
  for (const auto& c : cases) {
    SolverState bad = good;
    c.edit(&bad);
    const std::string path = dir_ + "/" + c.name + ".solverstate";
    WriteSolverState(bad, path, false);
    ExpectError(RunTool("train", "--solver=" + solver + " --snapshot=" + path), 1,
                {c.name + std::string(".solverstate: "), c.fragment}, c.name);
  }
}

std::vector<std::vector<std::string>> ReadCsv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::stringstream cells_in(line);
    for (std::string cell; std::getline(cells_in, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

TEST_F(ReliabilityTest, ResumedCsvLogContinuesTheOldOne) {
  const std::string csv = dir_ + "/log.csv";
  const std::string solver = TrainTiny(dir_, 30, "", "--log_csv=" + csv);
  const auto full = ReadCsv(csv);
  // Resume from iteration 10 into the same log: rows from 10 on are replaced.
  const ToolResult r =
      RunTool("train", "--solver=" + solver + " --log_csv=" + csv + " --snapshot=" + dir_ +
                           "/snap/tiny_iter_10.solverstate");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto resumed = ReadCsv(csv);
  ASSERT_EQ(resumed.size(), full.size());
  EXPECT_EQ(resumed[0], full[0]);  // the header once
  double last_time = -1;
  for (size_t i = 1; i < resumed.size(); ++i) {
    EXPECT_EQ(resumed[i][0], full[i][0]) << "row " << i << ": iterations differ";
    const double time = std::stod(resumed[i][1]);
    EXPECT_GE(time, last_time) << "row " << i << ": the time column went back";
    last_time = time;
  }
  // A log of another net's columns is not continued.
  testing::WriteTextFile(dir_ + "/other.csv",
                         "iteration,seconds,lr,train_loss,test0/x\n0,0,0.1,1,\n");
  ExpectError(RunTool("train", "--solver=" + solver + " --log_csv=" + dir_ + "/other.csv" +
                                   " --snapshot=" + dir_ + "/snap/tiny_iter_10.solverstate"),
              1, {"other.csv", "columns are not this run's"}, "csv columns");
}

TEST_F(ReliabilityTest, StaleTempFilesOfKilledRunsAreRemoved) {
  std::filesystem::create_directories(dir_ + "/snap");
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);  // a pid that is certainly gone
  const std::string dead = std::to_string(child), alive = std::to_string(getpid());
  const std::string stale = dir_ + "/snap/tiny_iter_40.caffemodel.tmp." + dead;
  const std::string live = dir_ + "/snap/tiny_iter_40.solverstate.tmp." + alive;
  const std::string users = dir_ + "/snap/notes.tmp." + dead;
  for (const auto& path : {stale, live, users}) testing::WriteTextFile(path, "x");
  TrainTiny(dir_, 10, "");
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::exists(live)) << "a live process's file was removed";
  EXPECT_TRUE(std::filesystem::exists(users)) << "a file not named like a snapshot was removed";
}

// An HDF5 snapshot that cannot be written says why (HDF5 keeps the reason to
// itself; errno has it), and the previous snapshot stays.
TEST_F(ReliabilityTest, FullDiskWhileWritingAnHdf5SnapshotSaysSo) {
  const std::string fields = "snapshot: 10 display: 0 snapshot_format: HDF5 max_iter: ";
  ASSERT_EQ(RunTool("train", "--solver=" + testing::TinyProblem(dir_, fields + "10")).code, 0);
  const std::string first = dir_ + "/snap/tiny_iter_10";
  const std::string model = testing::Slurp(first + ".caffemodel.h5");
  ASSERT_FALSE(model.empty());
  const std::string longer = testing::TinyProblem(dir_, fields + "20");
  const std::string command = "ulimit -f " + std::to_string(model.size() / 1024 / 2) + " && exec " +
                              testing::ToolPath("train") + " --minloglevel=1 --solver=" + longer +
                              " --snapshot=" + first + ".solverstate.h5";
  ExpectError(testing::RunShell(command), 1, {"tiny_iter_20.caffemodel.h5", "File too large"},
              "hdf5 file size limit");
  EXPECT_EQ(testing::Slurp(first + ".caffemodel.h5"), model) << "the previous snapshot changed";
}

TEST_F(ReliabilityTest, ConvertMnistNeverOverwrites) {
  testing::WriteGzippedIdx(dir_ + "/images.gz", {4, 2, 2}, std::vector<uint8_t>(16, 3));
  testing::WriteGzippedIdx(dir_ + "/labels.gz", {4}, std::vector<uint8_t>(4, 1));
  const std::string inputs = "--images=" + dir_ + "/images.gz --labels=" + dir_ + "/labels.gz";
  std::filesystem::create_directories(dir_ + "/precious");
  testing::WriteTextFile(dir_ + "/precious/keep.txt", "mine");
  for (const std::string format : {"lmdb", "hdf5"}) {
    ExpectError(RunTool("convert_mnist",
                        inputs + " --format=" + format + " --output=" + dir_ + "/precious"),
                1, {"precious: already exists", "does not overwrite"}, "existing output " + format);
    EXPECT_EQ(testing::Slurp(dir_ + "/precious/keep.txt"), "mine");
  }
  // Its own inputs as the output.
  ExpectError(RunTool("convert_mnist", inputs + " --format=lmdb --output=" + dir_ + "/images.gz"),
              1, {"images.gz: already exists"}, "input as output");
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/images.gz"));
  // A fresh output works and leaves no temporary files.
  const ToolResult ok =
      RunTool("convert_mnist", inputs + " --format=lmdb --output=" + dir_ + "/db");
  EXPECT_EQ(ok.code, 0) << ok.err;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
  }
}

TEST_F(ReliabilityTest, UsageErrorsExitTwoInEveryTool) {
  for (const std::string tool :
       {"train", "test", "time", "classify", "summary", "draw_net", "gradcheck", "convert_mnist",
        "upgrade_net", "compute_image_mean", "convert_imageset", "extract_features"}) {
    ExpectError(RunTool(tool, "--no_such_flag=1"), 2,
                {tool + ": usage error: unknown flag --no_such_flag"}, tool + " unknown flag");
  }
  ExpectError(RunTool("test", "--model=m --weights=w --iterations=many"), 2,
              {"--iterations=many is not a valid int32"}, "bad value");
  ExpectError(RunTool("gradcheck", "--model=m --threshold=nan"), 2, {"--threshold"},
              "nan threshold");
  ExpectError(RunTool("classify", "--model=m --weights=w --labels=l --scale=nan x.pgm"), 2,
              {"--scale"}, "nan scale");
  ExpectError(RunTool("train", "--solver=s --weights=a,,b"), 2, {"empty entry"},
              "empty weights entry");
}

TEST_F(ReliabilityTest, TestWithoutTestLayersSaysSo) {
  const std::string net = testing::WriteTextFile(dir_ + "/train_only.prototxt", R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 } } include { phase: TRAIN } })");
  ExpectError(RunTool("test", "--model=" + net + " --weights=" + dir_ + "/none --iterations=1"), 1,
              {"train_only.prototxt", "no layer is in the TEST phase"}, "no TEST layers");
}

// A Filter selects nothing in some batches and different counts in others.
TEST_F(ReliabilityTest, FilterThatEmptiesBatchesAndVariableOutputs) {
  std::vector<float> data(12 * 3), label(12), select(12, 0.f);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i % 7) / 7.f;
  for (int i = 0; i < 12; ++i) label[i] = static_cast<float>(i % 2);
  select[5] = select[9] = select[10] = 1.f;  // batches of 4: 0, 1, then 2 selected
  {
    Hdf5File file(dir_ + "/f.h5", Hdf5File::Mode::kTruncate);
    file.Write("data", {12, 3}, data.data());
    file.Write("label", {12}, label.data());
    file.Write("select", {12}, select.data());
  }
  testing::WriteTextFile(dir_ + "/f.txt", dir_ + "/f.h5\n");
  const std::string layers = R"(
layer { name: "d" type: "HDF5Data" top: "data" top: "label" top: "select" hdf5_data_param { source: ")" +
                             dir_ + R"(/f.txt" batch_size: 4 } }
layer { name: "f" type: "Filter" bottom: "data" bottom: "label" bottom: "select" top: "fd" top: "fl" }
layer { name: "ip" type: "InnerProduct" bottom: "fd" top: "ip" inner_product_param { num_output: 2 } }
layer { name: "acc" type: "Accuracy" bottom: "ip" bottom: "fl" top: "accuracy" }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "fl" top: "loss" }
)";
  const std::string net = testing::WriteTextFile(dir_ + "/filter.prototxt", layers);
  NetParameter weights;
  Net(net, TEST).ToProto(&weights, false);
  WriteWeights(weights, dir_ + "/w.caffemodel", false, false);
  const ToolResult ok =
      RunTool("test", "--model=" + net + " --weights=" + dir_ + "/w.caffemodel --iterations=3");
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("accuracy = "), std::string::npos) << ok.out;
  // The Filter's own top as a net output: its size changes between batches.
  const std::string variable = testing::WriteTextFile(
      dir_ + "/variable.prototxt",
      layers + R"(layer { name: "s" type: "Sigmoid" bottom: "fd" top: "probabilities" })");
  ExpectError(
      RunTool("test",
              "--model=" + variable + " --weights=" + dir_ + "/w.caffemodel --iterations=3"),
      1, {"output 'probabilities' has 3 values in test batch 2 but 0 in batch 1", "fixed size"},
      "variable output");
}

TEST_F(ReliabilityTest, NonFiniteDatumFloatsAndBinaryKeysAreNamed) {
  {
    LmdbWriter writer(dir_ + "/db");
    Datum datum;
    datum.set_channels(1);
    datum.set_height(1);
    datum.set_width(2);
    datum.add_float_data(0.5f);
    datum.add_float_data(std::nanf(""));
    std::string value;
    datum.SerializeToString(&value);
    writer.Put(std::string("k\0\x01", 3), value);
  }
  const std::string net = testing::WriteTextFile(
      dir_ + "/db.prototxt", R"(
layer { name: "data" type: "Data" top: "data" top: "label" data_param { source: ")" +
                                 dir_ + R"(/db" batch_size: 1 backend: LMDB } })");
  NetParameter unrelated;  // weights for no layer of the net: a warning only
  unrelated.add_layer()->set_name("elsewhere");
  Blob({1}).ToProto(unrelated.mutable_layer(0)->add_blobs());
  WriteWeights(unrelated, dir_ + "/w.caffemodel", false, false);
  ExpectError(
      RunTool("test", "--model=" + net + " --weights=" + dir_ + "/w.caffemodel --iterations=1"), 1,
      {"record 'k\\x00\\x01'", "nan in float_data at element 1"}, "nan float_data");
}

TEST(ReliabilityUnitTest, NaNLabelsAndCorruptBatchNormStatisticsAreDataErrors) {
  auto loss =
      testing::MakeLayer("name: 'l' type: 'SoftmaxWithLoss' bottom: 'x' bottom: 'y' top: 'l'");
  auto x = testing::GaussianBlob({2, 3}, 1);
  auto y = testing::BlobOf({2}, {1.f, std::nanf("")});
  Blob top;
  loss->SetUp({x.get(), y.get()}, {&top});
  EXPECT_THROW(loss->Forward({x.get(), y.get()}, {&top}), DataError);
  y->mutable_data()[1] = 3e9f;
  EXPECT_THROW(loss->Forward({x.get(), y.get()}, {&top}), DataError);

  auto bn = testing::MakeLayer(
      "name: 'bn' type: 'BatchNorm' batch_norm_param { use_global_stats: true }");
  auto in = testing::GaussianBlob({2, 3, 2, 2}, 2);
  Blob out;
  bn->SetUp({in.get()}, {&out});
  bn->blobs()[2]->mutable_data()[0] = 1.f;
  bn->blobs()[1]->mutable_data()[1] = -0.5f;
  try {
    bn->Forward({in.get()}, {&out});
    FAIL() << "a negative stored variance ran";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("channel 1"), std::string::npos) << e.what();
  }
}

TEST_F(ReliabilityTest, MessagesNameTheFileLayerAndValue) {
  const std::string input =
      R"(layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 8 dim: 8 } } })";
  // A uint32 geometry value past int's range is named, not shown as a negative size.
  const std::string conv = testing::WriteTextFile(dir_ + "/pad.prototxt", input + R"(
layer { name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 1 kernel_size: 3 pad: 3000000000 } })");
  ExpectError(RunTool("summary", "--model=" + conv), 1,
              {"pad.prototxt:2:1:", "layer 'c'", "convolution_param.pad 3000000000 is too large"},
              "huge pad");
  const std::string pool = testing::WriteTextFile(dir_ + "/stride.prototxt", input + R"(
layer { name: "p" type: "Pooling" bottom: "data" top: "p" pooling_param { kernel_size: 2 stride: 4000000000 } })");
  ExpectError(RunTool("summary", "--model=" + pool), 1,
              {"stride.prototxt:2:1:", "layer 'p'", "4000000000, too large"}, "huge stride");
  // A weights blob with too few values names its layer.
  const std::string ip = testing::WriteTextFile(dir_ + "/ip.prototxt", input + R"(
layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" inner_product_param { num_output: 2 bias_term: false } })");
  NetParameter weights;
  LayerParameter* layer = weights.add_layer();
  layer->set_name("fc");
  BlobProto* blob = layer->add_blobs();
  blob->mutable_shape()->add_dim(2);
  blob->mutable_shape()->add_dim(64);
  blob->add_data(1.f);
  WriteWeights(weights, dir_ + "/short.caffemodel", false, false);
  ExpectError(
      RunTool("test", "--model=" + ip + " --iterations=1 --weights=" + dir_ + "/short.caffemodel"),
      1, {"short.caffemodel: layer 'fc' blob 0:"}, "short blob");
  // upgrade_net names its input in errors and never overwrites its output.
  testing::WriteTextFile(dir_ + "/exists.prototxt", "mine");
  ExpectError(RunTool("upgrade_net", "--input=" + ip + " --output=" + dir_ + "/exists.prototxt"), 1,
              {"exists.prototxt: already exists"}, "upgrade_net output");
  EXPECT_EQ(testing::Slurp(dir_ + "/exists.prototxt"), "mine");
  const std::string v1 =
      testing::WriteTextFile(dir_ + "/v1.prototxt", "layers { name: 'x' type: 12345 }");
  const ToolResult bad =
      RunTool("upgrade_net", "--input=" + v1 + " --output=" + dir_ + "/v1_new.prototxt");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(LastLine(bad.err).find("v1.prototxt"), std::string::npos) << bad.err;
}

TEST(ReliabilityUnitTest, PrintableKeyEscapesBinaryBytes) {
  EXPECT_EQ(PrintableKey("00000012"), "00000012");
  EXPECT_EQ(PrintableKey(std::string("a\0b\xff", 4)), "a\\x00b\\xff");
  EXPECT_EQ(PrintableKey(std::string(100, 'k')), std::string(64, 'k') + "...");
}

}  // namespace
}  // namespace strata
