#include "strata/layers/memory_data_layer.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/errors.hpp"
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

TEST(MemoryDataLayerTest, BatchesFromArraysWrapAround) {
  auto generic = MakeLayer(R"(name: "m" type: "MemoryData" top: "data" top: "label"
    memory_data_param { batch_size: 2 channels: 1 height: 1 width: 2 } transform_param { scale: 2 })");
  auto* layer = dynamic_cast<MemoryDataLayer*>(generic.get());
  ASSERT_NE(layer, nullptr);
  Blob data, label;
  layer->SetUp({}, {&data, &label});
  EXPECT_EQ(data.shape(), (std::vector<int>{2, 1, 1, 2}));
  const std::vector<float> values{1, 2, 3, 4, 5, 6, 7, 8}, labels{0, 1, 2, 3};
  layer->Reset(values.data(), labels.data(), 4);
  layer->Forward({}, {&data, &label});
  layer->Forward({}, {&data, &label});
  EXPECT_EQ(Values(data), (std::vector<float>{10, 12, 14, 16}));
  EXPECT_EQ(Values(label), (std::vector<float>{2, 3}));
  layer->Forward({}, {&data, &label});
  EXPECT_EQ(Values(label), (std::vector<float>{0, 1}));
}

TEST(MemoryDataLayerTest, RejectsMissingDataAndBadCounts) {
  auto generic = MakeLayer(R"(name: "m" type: "MemoryData"
    memory_data_param { batch_size: 2 channels: 1 height: 1 width: 1 })");
  auto* layer = dynamic_cast<MemoryDataLayer*>(generic.get());
  Blob data, label;
  layer->SetUp({}, {&data, &label});
  EXPECT_THROW(layer->Forward({}, {&data, &label}), ConfigError);
  const std::vector<float> values{1, 2, 3};
  EXPECT_THROW(layer->Reset(values.data(), values.data(), 3), ConfigError);
  EXPECT_THROW(MakeLayer(R"(name: "m" type: "MemoryData")")->SetUp({}, {&data, &label}),
               ConfigError);
}

}  // namespace
}  // namespace strata
