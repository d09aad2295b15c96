#include "strata/layers/dummy_data_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "strata/net.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::MakeLayer;

TEST(DummyDataLayerTest, ConstantFiller) {
  auto layer = MakeLayer(R"(name: "d" type: "DummyData" top: "a" top: "b"
    dummy_data_param { shape { dim: 2 dim: 3 } shape { dim: 4 }
      data_filler { type: "constant" value: 3 } })");
  Blob a, b;
  layer->SetUp({}, {&a, &b});
  layer->Forward({}, {&a, &b});
  EXPECT_EQ(a.shape(), (std::vector<int>{2, 3}));
  EXPECT_EQ(b.shape(), (std::vector<int>{4}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(a.data()[i], 3);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(b.data()[i], 3);
}

// An inference net hands a blob's buffer on once its last reader has run;
// a constant top, filled only at set-up, keeps its own.
TEST(DummyDataLayerTest, ConstantTopsSurviveActivationReuse) {
  const NetParameter param = testing::ParseNet(R"(name: "n" state { phase: TEST }
    layer { name: "d" type: "DummyData" top: "c"
            dummy_data_param { shape { dim: 2 dim: 3 } data_filler { type: "constant" value: 1 } } }
    layer { name: "p" type: "Power" bottom: "c" top: "p" power_param { scale: 2 } }
    layer { name: "q" type: "Power" bottom: "p" top: "q" power_param { scale: 3 } }
    layer { name: "r" type: "Power" bottom: "q" top: "r" power_param { scale: 5 } })");
  Net net(param, NetOptions{});
  ASSERT_TRUE(net.reuses_activations());
  for (int pass = 0; pass < 3; ++pass) {
    net.Forward();
    for (int i = 0; i < 6; ++i) ASSERT_EQ(net.blob_by_name("r")->data()[i], 30.f) << pass;
  }
}

TEST(DummyDataLayerTest, RandomFillerRefillsEachForward) {
  auto layer = MakeLayer(R"(name: "d" type: "DummyData"
    dummy_data_param { shape { dim: 8 } data_filler { type: "gaussian" } })");
  Blob a;
  layer->SetUp({}, {&a});
  layer->Forward({}, {&a});
  const std::vector<float> first(a.data(), a.data() + 8);
  layer->Forward({}, {&a});
  EXPECT_NE(std::vector<float>(a.data(), a.data() + 8), first);
}

TEST(DummyDataLayerTest, SameSeedSameValues) {
  auto run = [] {
    auto layer = MakeLayer(R"(name: "d" type: "DummyData"
      dummy_data_param { shape { dim: 5 } data_filler { type: "uniform" } })");
    layer->Seed(42);
    Blob a;
    layer->SetUp({}, {&a});
    layer->Forward({}, {&a});
    return std::vector<float>(a.data(), a.data() + 5);
  };
  EXPECT_EQ(run(), run());
}

TEST(DummyDataLayerTest, LegacyFourDimensionalShape) {
  auto layer = MakeLayer(R"(name: "d" type: "DummyData"
    dummy_data_param { num: 2 channels: 3 height: 4 width: 5 })");
  Blob a;
  layer->SetUp({}, {&a});
  EXPECT_EQ(a.shape(), (std::vector<int>{2, 3, 4, 5}));
  EXPECT_EQ(a.asum_data(), 0);
}

TEST(DummyDataLayerTest, RejectsFillerCountMismatch) {
  auto layer = MakeLayer(R"(name: "d" type: "DummyData"
    dummy_data_param { shape { dim: 2 } data_filler { } data_filler { } })");
  Blob a, b, c;
  EXPECT_THROW(layer->SetUp({}, {&a, &b, &c}), ConfigError);
}

TEST(DummyDataLayerTest, RejectsMissingShape) {
  auto layer = MakeLayer(R"(name: "d" type: "DummyData" dummy_data_param { })");
  Blob a;
  EXPECT_THROW(layer->SetUp({}, {&a}), ConfigError);
}

}  // namespace
}  // namespace strata
