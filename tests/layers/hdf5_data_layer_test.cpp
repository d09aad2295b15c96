#include "strata/layers/hdf5_data_layer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::MakeLayer;

// Writes a file with `rows` rows: data row r is (r, r + 0.5), label r is r.
std::string WriteRows(const std::string& path, int rows, float offset = 0) {
  std::vector<float> data, label;
  for (int r = 0; r < rows; ++r) {
    data.push_back(offset + r);
    data.push_back(offset + r + 0.5f);
    label.push_back(offset + r);
  }
  Hdf5File file(path, Hdf5File::Mode::kTruncate);
  file.Write("data", {rows, 2}, data.data());
  file.Write("label", {rows}, label.data());
  return path;
}

std::string Layer(const std::string& source, int batch, bool shuffle = false) {
  return R"(name: "d" type: "HDF5Data" top: "data" top: "label"
    hdf5_data_param { source: ")" +
         source + "\" batch_size: " + std::to_string(batch) + (shuffle ? " shuffle: true" : "") +
         " }";
}

class HDF5DataLayerTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("hdf5_data"); }
  std::string dir_;
};

TEST_F(HDF5DataLayerTest, ReadsRowsInOrderAcrossFilesAndWraps) {
  WriteRows(dir_ + "/a.h5", 3, 0);
  WriteRows(dir_ + "/b.h5", 2, 100);
  // Relative paths are taken from the list file's folder.
  const std::string list = testing::WriteTextFile(dir_ + "/list.txt", "a.h5\n\n b.h5 \n");
  auto layer = MakeLayer(Layer(list, 4));
  Blob data, label;
  layer->SetUp({}, {&data, &label});
  EXPECT_EQ(data.shape(), (std::vector<int>{4, 2}));
  EXPECT_EQ(label.shape(), (std::vector<int>{4}));
  layer->Forward({}, {&data, &label});
  EXPECT_EQ(std::vector<float>(label.data(), label.data() + 4), (std::vector<float>{0, 1, 2, 100}));
  EXPECT_FLOAT_EQ(data.data()[7], 100.5f);
  layer->Forward({}, {&data, &label});
  EXPECT_EQ(std::vector<float>(label.data(), label.data() + 4), (std::vector<float>{101, 0, 1, 2}));
}

TEST_F(HDF5DataLayerTest, ShuffleVisitsEveryRowOncePerPass) {
  WriteRows(dir_ + "/a.h5", 10);
  const std::string list = testing::WriteTextFile(dir_ + "/list.txt", dir_ + "/a.h5\n");
  auto layer = MakeLayer(Layer(list, 5, true));
  Blob data, label;
  layer->SetUp({}, {&data, &label});
  std::vector<float> seen;
  for (int i = 0; i < 2; ++i) {
    layer->Forward({}, {&data, &label});
    seen.insert(seen.end(), label.data(), label.data() + 5);
  }
  std::vector<float> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_NE(seen, sorted) << "shuffle left the rows in order";
  // Data and labels stay paired.
  for (int i = 0; i < 5; ++i) EXPECT_FLOAT_EQ(data.data()[2 * i], label.data()[i]);
}

TEST_F(HDF5DataLayerTest, TransformParamCropsAndScalesImages) {
  std::vector<float> images(2 * 1 * 3 * 3), labels{0, 1};
  for (size_t i = 0; i < images.size(); ++i) images[i] = static_cast<float>(i);
  {
    Hdf5File file(dir_ + "/img.h5", Hdf5File::Mode::kTruncate);
    file.Write("data", {2, 1, 3, 3}, images.data());
    file.Write("label", {2}, labels.data());
  }
  const std::string list = testing::WriteTextFile(dir_ + "/list.txt", "img.h5\n");
  auto layer = MakeLayer(Layer(list, 2) + " phase: TEST transform_param { crop_size: 1 scale: 2 }");
  Blob data, label;
  layer->SetUp({}, {&data, &label});
  EXPECT_EQ(data.shape(), (std::vector<int>{2, 1, 1, 1}));
  layer->Forward({}, {&data, &label});
  EXPECT_EQ(data.data()[0], 8.f);   // center of image 0 (4), doubled
  EXPECT_EQ(data.data()[1], 26.f);  // center of image 1 (13), doubled
  // Two-dimensional data cannot be cropped.
  WriteRows(dir_ + "/rows.h5", 3);
  const std::string rows = testing::WriteTextFile(dir_ + "/rows.txt", "rows.h5\n");
  EXPECT_THROW(
      MakeLayer(Layer(rows, 2) + " transform_param { scale: 2 }")->SetUp({}, {&data, &label}),
      ShapeError);
}

TEST_F(HDF5DataLayerTest, RejectsMissingListFileNamingIt) {
  auto layer = MakeLayer(Layer(dir_ + "/nope.txt", 2));
  Blob data, label;
  try {
    layer->SetUp({}, {&data, &label});
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("nope.txt"), std::string::npos) << e.what();
  }
}

TEST_F(HDF5DataLayerTest, RejectsMissingDataFileNamingIt) {
  const std::string list = testing::WriteTextFile(dir_ + "/list.txt", dir_ + "/gone.h5\n");
  auto layer = MakeLayer(Layer(list, 2));
  Blob data, label;
  try {
    layer->SetUp({}, {&data, &label});
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("gone.h5"), std::string::npos) << e.what();
  }
}

TEST_F(HDF5DataLayerTest, RejectsMissingDatasetNamingIt) {
  WriteRows(dir_ + "/a.h5", 3);
  const std::string list = testing::WriteTextFile(dir_ + "/list.txt", "a.h5\n");
  auto layer = MakeLayer(R"(name: "d" type: "HDF5Data" top: "data" top: "target"
    hdf5_data_param { source: ")" +
                         list + R"(" batch_size: 2 })");
  Blob data, target;
  try {
    layer->SetUp({}, {&data, &target});
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("'target'"), std::string::npos) << e.what();
  }
}

TEST_F(HDF5DataLayerTest, RejectsZeroBatchSize) {
  WriteRows(dir_ + "/a.h5", 3);
  const std::string list = testing::WriteTextFile(dir_ + "/list.txt", "a.h5\n");
  auto layer = MakeLayer(Layer(list, 0));
  Blob data, label;
  EXPECT_THROW(layer->SetUp({}, {&data, &label}), ConfigError);
}

TEST_F(HDF5DataLayerTest, RejectsGarbageFile) {
  testing::WriteTextFile(dir_ + "/a.h5", "not an hdf5 file");
  const std::string list = testing::WriteTextFile(dir_ + "/list.txt", "a.h5\n");
  auto layer = MakeLayer(Layer(list, 2));
  Blob data, label;
  EXPECT_THROW(layer->SetUp({}, {&data, &label}), IoError);
}

}  // namespace
}  // namespace strata
