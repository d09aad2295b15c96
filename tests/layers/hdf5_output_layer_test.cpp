#include "strata/layers/hdf5_output_layer.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>

#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/random.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

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

// Each pass appends to the same file (same inode: nothing is rewritten), and
// the file is complete and readable between passes.
TEST(HDF5OutputLayerTest, AppendsInPlaceAndIsReadableBetweenPasses) {
  const std::string path = testing::MakeTempDir("hdf5_append") + "/out.h5";
  auto layer = MakeLayer(R"(name: "o" type: "HDF5Output" hdf5_output_param { file_name: ")" + path +
                         R"(" })");
  auto data = BlobOf({2, 3}, {1, 2, 3, 4, 5, 6});
  auto label = BlobOf({2}, {0, 1});
  layer->SetUp({data.get(), label.get()}, {});
  layer->Forward({data.get(), label.get()}, {});
  struct stat first {};
  ASSERT_EQ(stat(path.c_str(), &first), 0);
  for (int pass = 1; pass < 60; ++pass) {
    data->mutable_data()[0] = static_cast<float>(pass);
    layer->Forward({data.get(), label.get()}, {});
    if (pass % 20 == 0) {
      Hdf5File file(path, Hdf5File::Mode::kRead);
      EXPECT_EQ(file.DatasetShape("data"), (std::vector<int>{2 * (pass + 1), 3}));
    }
  }
  struct stat last {};
  ASSERT_EQ(stat(path.c_str(), &last), 0);
  EXPECT_EQ(first.st_ino, last.st_ino) << "the file was rewritten, not appended to";
  Hdf5File file(path, Hdf5File::Mode::kRead);
  Blob read;
  file.Read("data", &read);
  ASSERT_EQ(read.shape(), (std::vector<int>{120, 3}));
  for (int pass = 1; pass < 60; ++pass) EXPECT_EQ(read.data()[pass * 6], static_cast<float>(pass));
  EXPECT_EQ(read.data()[5], 6.f);
  // Another item shape midway is refused.
  auto wide = BlobOf({2, 4}, std::vector<float>(8, 1.f));
  EXPECT_THROW(layer->Forward({wide.get(), label.get()}, {}), ShapeError);
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
