#include "strata/layers/data_layer.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "blob.pb.h"
#include "strata/data_transformer.hpp"
#include "strata/errors.hpp"
#include "strata/idx.hpp"
#include "strata/lmdb.hpp"
#include "strata/random.hpp"
#include "strata/thread_pool.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::MakeLayer;

// `n` records of 1 x 2 x 3 whose pixels are all i (with `ramp`, 8 i + column,
// so that a mirror shows), label i % 5.
std::string WriteDb(const std::string& dir, int n, bool vary_shape = false, bool ramp = false) {
  const std::string path = dir + "/db";
  std::filesystem::remove_all(path);
  LmdbWriter writer(path);
  for (int i = 0; i < n; ++i) {
    Datum datum;
    datum.set_channels(1);
    datum.set_height(vary_shape && i == n - 1 ? 3 : 2);
    datum.set_width(3);
    std::string pixels(datum.height() * 3, static_cast<char>(i));
    for (size_t j = 0; j < pixels.size() && ramp; ++j) pixels[j] = static_cast<char>(8 * i + j % 3);
    datum.set_data(pixels);
    datum.set_label(i % 5);
    char key[16];
    std::snprintf(key, sizeof(key), "%08d", i);
    writer.Put(key, datum.SerializeAsString());
  }
  return path;
}

std::string DataLayerText(const std::string& source, int batch, const std::string& extra = "") {
  return R"(name: "data" type: "Data" top: "data" top: "label" phase: TEST
    data_param { source: ")" +
         source + "\" batch_size: " + std::to_string(batch) + " backend: LMDB } " + extra;
}

class DataLayerTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("data_layer"); }
  std::string dir_;
};

TEST_F(DataLayerTest, ReadsRecordsInOrderWrapsAndTransforms) {
  auto layer = MakeLayer(DataLayerText(WriteDb(dir_, 5), 3, "transform_param { scale: 0.5 }"));
  Blob data, label;
  layer->SetUp({}, {&data, &label});
  EXPECT_EQ(data.shape(), (std::vector<int>{3, 1, 2, 3}));
  EXPECT_EQ(label.shape(), (std::vector<int>{3}));
  layer->Forward({}, {&data, &label});
  EXPECT_EQ(std::vector<float>(label.data(), label.data() + 3), (std::vector<float>{0, 1, 2}));
  EXPECT_EQ(data.data()[6], 0.5f);  // record 1, scaled
  layer->Forward({}, {&data, &label});
  EXPECT_EQ(std::vector<float>(label.data(), label.data() + 3), (std::vector<float>{3, 4, 0}));
  EXPECT_EQ(data.data()[17], 0.f);
}

TEST_F(DataLayerTest, SavedStateReplaysTheSameBatches) {
  auto layer = MakeLayer(
      DataLayerText(WriteDb(dir_, 7, false, true), 2, "transform_param { mirror: true }"));
  Blob data, label;
  layer->SetUp({}, {&data, &label});
  layer->Forward({}, {&data, &label});
  LayerState state;
  layer->SaveState(&state);
  std::vector<float> expected;
  // Labels and data: mirroring draws from the layer's random stream.
  for (int i = 0; i < 5; ++i) {
    layer->Forward({}, {&data, &label});
    expected.insert(expected.end(), label.data(), label.data() + 2);
    expected.insert(expected.end(), data.data(), data.data() + data.count());
  }
  layer->RestoreState(state);
  std::vector<float> replayed;
  for (int i = 0; i < 5; ++i) {
    layer->Forward({}, {&data, &label});
    replayed.insert(replayed.end(), label.data(), label.data() + 2);
    replayed.insert(replayed.end(), data.data(), data.data() + data.count());
  }
  EXPECT_EQ(replayed, expected);
}

// Examples are decoded and transformed on the pool, each with its own random
// stream: the mirror and crop draws must be those of a one-by-one pass over
// the layer's stream, whatever the thread count.
TEST_F(DataLayerTest, TrainBatchesDrawAsOneByOneAtAnyThreadCount) {
  const std::string source = WriteDb(dir_, 12, false, true);
  const std::string transform = "transform_param { mirror: true crop_size: 2 scale: 0.5 }";
  std::string text = DataLayerText(source, 8, transform);
  text.replace(text.find("phase: TEST"), 11, "phase: TRAIN");
  const testing::ScopedThreads threads_guard;
  for (int t : {1, 2, 3}) {
    SetNumThreads(t);
    auto layer = MakeLayer(text);
    Blob data, label;
    layer->SetUp({}, {&data, &label});
    LayerState state;
    layer->SaveState(&state);
    Rng rng;
    rng.SetState(state.rng());
    TransformationParameter param;
    param.set_mirror(true);
    param.set_crop_size(2);
    param.set_scale(0.5f);
    const DataTransformer reference(param, TRAIN);
    bool mirrored = false, shifted = false;
    for (int pass = 0; pass < 3; ++pass) {
      layer->Forward({}, {&data, &label});
      for (int i = 0; i < 8; ++i) {
        const int record = (pass * 8 + i) % 12;
        uint8_t pixels[6];
        for (int j = 0; j < 6; ++j) pixels[j] = static_cast<uint8_t>(8 * record + j % 3);
        float expected[4];
        reference.Transform(pixels, 1, 2, 3, &rng, expected);
        for (int j = 0; j < 4; ++j) {
          ASSERT_EQ(data.data()[i * 4 + j], expected[j])
              << t << " threads, pass " << pass << ", example " << i;
        }
        mirrored |= expected[0] > expected[1];
        shifted |= expected[0] == 0.5f * (8 * record + 1) || expected[1] == 0.5f * (8 * record + 1);
        EXPECT_EQ(label.data()[i], record % 5);
      }
    }
    EXPECT_TRUE(mirrored && shifted) << "the draws did not vary";
  }
}

TEST_F(DataLayerTest, CaffeFixtureMatchesTheIdxImages) {
  const std::string fixture = "tests/fixtures/caffe/fashion_mnist_test1k_lmdb";
  const std::string images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  const std::string labels = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
  if (!std::filesystem::exists(fixture) || !std::filesystem::exists(images)) {
    GTEST_FAIL() << "needs " << fixture
                 << " and Debian's dataset-fashion-mnist (scripts/install_deps.sh)";
  }
  const IdxArray idx_images = ReadIdxFile(images), idx_labels = ReadIdxFile(labels);
  auto layer = MakeLayer(DataLayerText(fixture, 100));
  Blob data, label;
  layer->SetUp({}, {&data, &label});
  ASSERT_EQ(data.shape(), (std::vector<int>{100, 1, 28, 28}));
  for (int batch = 0; batch < 10; ++batch) {
    layer->Forward({}, {&data, &label});
    for (int i = 0; i < 100; ++i) {
      const int example = batch * 100 + i;
      ASSERT_EQ(label.data()[i], idx_labels.values[example]) << example;
      for (int p = 0; p < 784; p += 7) {
        ASSERT_EQ(data.data()[i * 784 + p], idx_images.values[example * 784 + p]) << example;
      }
    }
  }
}

TEST_F(DataLayerTest, RejectsBadSourcesAndParameters) {
  Blob data, label;
  EXPECT_THROW(MakeLayer(DataLayerText(dir_ + "/missing", 2))->SetUp({}, {&data, &label}), IoError);
  const std::string db = WriteDb(dir_, 3);
  EXPECT_THROW(MakeLayer(DataLayerText(db, 0))->SetUp({}, {&data, &label}), ConfigError);
  // LEVELDB is Caffe's default backend: an LMDB folder read as one is named.
  auto leveldb = MakeLayer(R"(name: "d" type: "Data" top: "data"
    data_param { source: ")" +
                           db + R"(" batch_size: 2 })");
  try {
    leveldb->SetUp({}, {&data});
    FAIL() << "an LMDB folder opened as LevelDB";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("not a LevelDB folder"), std::string::npos) << e.what();
  }
  EXPECT_THROW(MakeLayer(DataLayerText(db, 2, "transform_param { crop_size: 9 }"))
                   ->SetUp({}, {&data, &label}),
               ShapeError);
}

TEST_F(DataLayerTest, InconsistentRecordIsReportedFromForward) {
  auto layer = MakeLayer(DataLayerText(WriteDb(dir_, 4, /*vary_shape=*/true), 4));
  Blob data, label;
  layer->SetUp({}, {&data, &label});
  try {
    layer->Forward({}, {&data, &label});
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(
        std::string(e.what()).find("record '00000003' is 1x3x3 but the first record is 1x2x3"),
        std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("crop_size"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace strata
