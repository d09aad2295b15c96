#include "strata/layers/batch_norm_layer.hpp"

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

TEST(BatchNormLayerTest, TrainForwardNormalizesAndUpdatesRunningSums) {
  auto layer = MakeLayer(R"(name: "bn" type: "BatchNorm" phase: TRAIN
                            batch_norm_param { moving_average_fraction: 0.5 eps: 0 })");
  // 2 examples x 1 channel x 2 positions: values 1, 3, 5, 7 (mean 4, var 5).
  auto x = BlobOf({2, 1, 2}, {1, 3, 5, 7});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  EXPECT_EQ(layer->layer_param().param_size(), 3);
  EXPECT_EQ(layer->layer_param().param(0).lr_mult(), 0.f);
  layer->Forward({x.get()}, {&y});
  const float s = std::sqrt(5.f);
  EXPECT_NEAR(y.data()[0], -3 / s, 1e-6);
  EXPECT_NEAR(y.data()[3], 3 / s, 1e-6);
  EXPECT_FLOAT_EQ(layer->blobs()[0]->data()[0], 4.f);
  EXPECT_FLOAT_EQ(layer->blobs()[1]->data()[0], 5.f * 4 / 3);  // unbiased
  EXPECT_FLOAT_EQ(layer->blobs()[2]->data()[0], 1.f);
  layer->Forward({x.get()}, {&y});
  EXPECT_FLOAT_EQ(layer->blobs()[0]->data()[0], 4.f + 0.5f * 4);
  EXPECT_FLOAT_EQ(layer->blobs()[2]->data()[0], 1.5f);
}

TEST(BatchNormLayerTest, TestPhaseUsesStoredStatistics) {
  auto layer = MakeLayer(R"(name: "bn" type: "BatchNorm" phase: TEST batch_norm_param { eps: 0 })");
  auto x = BlobOf({1, 2, 1}, {3, 3});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  // Stored sums scaled by s = 2: mean (2, 0), var (4, 1).
  layer->blobs()[0]->mutable_data()[0] = 4;
  layer->blobs()[0]->mutable_data()[1] = 0;
  layer->blobs()[1]->mutable_data()[0] = 8;
  layer->blobs()[1]->mutable_data()[1] = 2;
  layer->blobs()[2]->mutable_data()[0] = 2;
  layer->Forward({x.get()}, {&y});
  EXPECT_FLOAT_EQ(y.data()[0], 0.5f);
  EXPECT_FLOAT_EQ(y.data()[1], 3.f);
}

TEST(BatchNormLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "bn" type: "BatchNorm" phase: TRAIN)");
  auto x = GaussianBlob({3, 2, 2, 2}, 1);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(BatchNormLayerTest, GradientCheckGlobalStats) {
  auto layer =
      MakeLayer(R"(name: "bn" type: "BatchNorm" batch_norm_param { use_global_stats: true })");
  auto x = GaussianBlob({2, 3, 2}, 2);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  for (int c = 0; c < 3; ++c) layer->blobs()[1]->mutable_data()[c] = 1.f + c;
  layer->blobs()[2]->mutable_data()[0] = 1;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(BatchNormLayerTest, RejectsLearnedStatisticsAndBadShapes) {
  auto x = GaussianBlob({2, 3}, 1);
  Blob y;
  auto learned = MakeLayer(R"(name: "bn" type: "BatchNorm" param { lr_mult: 1 })");
  EXPECT_THROW(learned->SetUp({x.get()}, {&y}), ConfigError);
  auto flat = GaussianBlob({4}, 1);
  EXPECT_THROW(MakeLayer(R"(name: "bn" type: "BatchNorm")")->SetUp({flat.get()}, {&y}), ShapeError);
  auto bad_fraction =
      MakeLayer(R"(name: "bn" type: "BatchNorm" batch_norm_param { moving_average_fraction: 2 })");
  EXPECT_THROW(bad_fraction->SetUp({x.get()}, {&y}), ConfigError);
}

}  // namespace
}  // namespace strata
