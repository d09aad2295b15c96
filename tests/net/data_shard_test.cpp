// DataShard: shard r of N with batch B reads rows r*B .. (r+1)*B-1 of what
// one layer with batch N*B reads, random transforms and shuffles included,
// for every data layer a data-parallel run shards (docs/distributed.md).
#include <gtest/gtest.h>

#include <filesystem>

#include "strata/errors.hpp"
#include "strata/layers/memory_data_layer.hpp"
#include "strata/net.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

constexpr int kShards = 2;
constexpr int kBatch = 3;

std::unique_ptr<Layer> MakeShard(const std::string& text, int batch, const DataShard& shard) {
  auto layer = testing::MakeLayer(text + " # batch " + std::to_string(batch));
  layer->Seed(2024);  // the same stream for every shard, as a parallel run seeds them
  EXPECT_TRUE(layer->ReadsDataShards());
  layer->SetDataShard(shard);
  return layer;
}

// `text(batch)` defines the layer. Forwards the whole-batch layer and the
// shards side by side `passes` times, and `prepare` runs on each after SetUp.
void ExpectShardsTileTheBatch(const std::function<std::string(int batch)>& text, int passes,
                              const std::function<void(Layer*)>& prepare = nullptr) {
  auto whole = MakeShard(text(kShards * kBatch), kShards * kBatch, DataShard());
  std::vector<std::unique_ptr<Layer>> shards;
  for (int r = 0; r < kShards; ++r) shards.push_back(MakeShard(text(kBatch), kBatch, {r, kShards}));
  Blob whole_data, whole_label;
  std::vector<Blob> data(kShards), label(kShards);
  whole->SetUp({}, {&whole_data, &whole_label});
  if (prepare) prepare(whole.get());
  for (int r = 0; r < kShards; ++r) {
    shards[r]->SetUp({}, {&data[r], &label[r]});
    if (prepare) prepare(shards[r].get());
  }
  for (int pass = 0; pass < passes; ++pass) {
    whole->Forward({}, {&whole_data, &whole_label});
    const int per_example = whole_data.count(1);
    for (int r = 0; r < kShards; ++r) {
      shards[r]->Forward({}, {&data[r], &label[r]});
      ASSERT_EQ(data[r].count(), kBatch * per_example);
      for (int i = 0; i < kBatch * per_example; ++i) {
        ASSERT_EQ(data[r].data()[i], whole_data.data()[r * kBatch * per_example + i])
            << "pass " << pass << ", shard " << r << ", value " << i;
      }
      for (int i = 0; i < kBatch; ++i) {
        ASSERT_EQ(label[r].data()[i], whole_label.data()[r * kBatch + i]);
      }
    }
  }
}

TEST(DataShardTest, DataLayerShardsTileTheBatchWithRandomCropsAndMirrors) {
  // The Caffe-made LMDB, past its end (1,000 records) to check the wrap.
  const std::string db = testing::kCaffeFixtures + "/fashion_mnist_test1k_lmdb";
  ASSERT_TRUE(std::filesystem::exists(db)) << db;
  ExpectShardsTileTheBatch(
      [&](int batch) {
        return R"(name: "d" type: "Data" top: "data" top: "label" phase: TRAIN
          transform_param { mirror: true crop_size: 20 scale: 0.0039 }
          data_param { source: ")" +
               db + "\" backend: LMDB batch_size: " + std::to_string(batch) + " }";
      },
      170);
}

TEST(DataShardTest, ImageDataShardsTileTheShuffledBatch) {
  const std::string images = testing::kCaffeFixtures + "/images";
  ExpectShardsTileTheBatch(
      [&](int batch) {
        return R"(name: "d" type: "ImageData" top: "data" top: "label" phase: TRAIN
          transform_param { mirror: true crop_size: 12 }
          image_data_param { source: ")" +
               images + "/list.txt\" root_folder: \"" + images +
               "/images/\" new_height: 16 new_width: 16 shuffle: true batch_size: " +
               std::to_string(batch) + " }";
      },
      5);
}

TEST(DataShardTest, Hdf5DataShardsTileTheShuffledBatch) {
  const std::string dir = testing::MakeTempDir("data_shard_hdf5");
  testing::WriteClusterHdf5(dir + "/a.h5", 10, 4, 3, 2.f, 1.f, 1);
  testing::WriteClusterHdf5(dir + "/b.h5", 7, 4, 3, 2.f, 1.f, 2);
  testing::WriteTextFile(dir + "/list.txt", dir + "/a.h5\n" + dir + "/b.h5\n");
  ExpectShardsTileTheBatch(
      [&](int batch) {
        return R"(name: "d" type: "HDF5Data" top: "data" top: "label" phase: TRAIN
          hdf5_data_param { source: ")" +
               dir + "/list.txt\" shuffle: true batch_size: " + std::to_string(batch) + " }";
      },
      9);
  std::filesystem::remove_all(dir);
}

TEST(DataShardTest, MemoryDataShardsTileTheBatchWithMirrors) {
  constexpr int kExamples = 24;  // a multiple of the whole batch
  const std::vector<float> values = testing::UniformVector(kExamples * 2 * 3, 5);
  std::vector<float> labels(kExamples);
  for (int i = 0; i < kExamples; ++i) labels[i] = static_cast<float>(i);
  ExpectShardsTileTheBatch(
      [](int batch) {
        return R"(name: "d" type: "MemoryData" top: "data" top: "label" phase: TRAIN
          transform_param { mirror: true }
          memory_data_param { channels: 1 height: 2 width: 3 batch_size: )" +
               std::to_string(batch) + " }";
      },
      10,
      [&](Layer* layer) {
        static_cast<MemoryDataLayer*>(layer)->Reset(values.data(), labels.data(), kExamples);
      });
}

TEST(DataShardTest, NetKeepsDataStreamsAndSetsTheOthersApart) {
  // A data layer's stream is every shard's; a dropout's differs per shard.
  const NetParameter param = testing::ParseNet(R"(
    layer { name: "in" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 dim: 50 }
            data_filler { type: "constant" value: 1 } } }
    layer { name: "drop" type: "Dropout" bottom: "x" top: "y" }
    layer { name: "d" type: "MemoryData" top: "data" top: "label"
            memory_data_param { channels: 1 height: 1 width: 1 batch_size: 1 } })");
  std::vector<std::unique_ptr<Net>> nets;
  for (int r = 0; r < kShards; ++r) {
    NetOptions options;
    options.seed = 99;
    options.reuse_activations = false;
    options.data_shard = {r, kShards};
    NetParameter train = param;
    train.mutable_state()->set_phase(TRAIN);
    nets.push_back(std::make_unique<Net>(train, options));
  }
  EXPECT_EQ(nets[0]->layer_by_name("d")->rng().State(), nets[1]->layer_by_name("d")->rng().State());
  EXPECT_NE(nets[0]->layer_by_name("drop")->rng().State(),
            nets[1]->layer_by_name("drop")->rng().State());
}

}  // namespace
}  // namespace strata
