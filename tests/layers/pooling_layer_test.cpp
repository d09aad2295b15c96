#include "strata/layers/pooling_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

[[maybe_unused]] std::vector<float> Values(const Blob& b) { return std::vector<float>(b.data(), b.data() + b.count()); }

const std::vector<float> k4x4 = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

TEST(PoolingLayerTest, MaxForwardAndMaskMatchHandComputed) {
  auto layer = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { pool: MAX kernel_size: 2 stride: 2 })");
  auto x = BlobOf({1, 1, 4, 4}, k4x4);
  Blob y, mask;
  layer->SetUp({x.get()}, {&y, &mask});
  layer->Forward({x.get()}, {&y, &mask});
  EXPECT_EQ(Values(y), (std::vector<float>{6, 8, 14, 16}));
  EXPECT_EQ(Values(mask), (std::vector<float>{5, 7, 13, 15}));
}

TEST(PoolingLayerTest, CeilRoundingAddsPartialWindow) {
  // 4x4, kernel 3, stride 2: ceil(1 / 2) + 1 = 2 (Caffe); FLOOR gives 1.
  auto ceil = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { pool: MAX kernel_size: 3 stride: 2 })");
  auto floor = MakeLayer(R"(name: "p" type: "Pooling"
    pooling_param { pool: MAX kernel_size: 3 stride: 2 round_mode: FLOOR })");
  auto x = BlobOf({1, 1, 4, 4}, k4x4);
  Blob y;
  ceil->SetUp({x.get()}, {&y});
  ceil->Forward({x.get()}, {&y});
  EXPECT_EQ(Values(y), (std::vector<float>{11, 12, 15, 16}));
  floor->SetUp({x.get()}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{1, 1, 1, 1}));
}

TEST(PoolingLayerTest, AverageWithPaddingDividesByPaddedWindow) {
  auto layer = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 })");
  auto x = BlobOf({1, 1, 4, 4}, k4x4);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  // ceil((4 + 2 - 3) / 2) + 1 = 3, and the last window starts at 3 < 4 + 1.
  ASSERT_EQ(y.shape(), (std::vector<int>{1, 1, 3, 3}));
  // Top-left window covers rows/cols -1..1: (1 + 2 + 5 + 6) / 9.
  EXPECT_FLOAT_EQ(y.data()[0], 14.f / 9);
  // The center covers rows/cols 1..3: (6+7+8+10+11+12+14+15+16) / 9.
  EXPECT_FLOAT_EQ(y.data()[4], 99.f / 9);
  // Bottom-right covers rows/cols 3..4 (clipped at H + pad = 5): 16 / (2 * 2).
  EXPECT_FLOAT_EQ(y.data()[8], 4.f);
}

TEST(PoolingLayerTest, GlobalPooling) {
  auto layer = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { pool: AVE global_pooling: true })");
  auto x = BlobOf({1, 1, 4, 4}, k4x4);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  ASSERT_EQ(y.shape(), (std::vector<int>{1, 1, 1, 1}));
  EXPECT_FLOAT_EQ(y.data()[0], 8.5f);
}

TEST(PoolingLayerTest, MaxGradientCheck) {
  auto layer = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 })");
  auto x = GaussianBlob({2, 2, 5, 4}, 1);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(PoolingLayerTest, AveGradientCheck) {
  auto layer = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { pool: AVE kernel_h: 3 kernel_w: 2 stride: 2 pad: 1 })");
  auto x = GaussianBlob({2, 2, 5, 4}, 2);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(PoolingLayerTest, RejectsBadParameters) {
  auto x = GaussianBlob({1, 1, 4, 4}, 1);
  Blob y, z, w;
  auto no_kernel = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { pool: MAX })");
  EXPECT_THROW(no_kernel->SetUp({x.get()}, {&y}), ConfigError);
  auto big_pad = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { kernel_size: 2 pad: 2 })");
  EXPECT_THROW(big_pad->SetUp({x.get()}, {&y}), ConfigError);
  auto stochastic = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { pool: STOCHASTIC kernel_size: 2 })");
  EXPECT_THROW(stochastic->SetUp({x.get()}, {&y}), ConfigError);
  auto too_big = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { kernel_size: 5 })");
  EXPECT_THROW(too_big->SetUp({x.get()}, {&y}), ShapeError);
  auto ave_mask = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { pool: AVE kernel_size: 2 })");
  EXPECT_THROW(ave_mask->SetUp({x.get()}, {&y, &z}), ConfigError);
  auto flat = GaussianBlob({4, 4}, 1);
  auto ok = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { kernel_size: 2 })");
  EXPECT_THROW(ok->SetUp({flat.get()}, {&w}), ShapeError);
}

}  // namespace
}  // namespace strata
