#include "strata/layers/batch_norm_layer.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/errors.hpp"
#include "strata/packed_gemm.hpp"
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

// Batch statistics and outputs against sums in double, on every kernel set,
// for planes of 37 values (whole registers and a tail) around a mean far from
// zero (10,000 with a deviation of about 1: x^2 - mean^2 in float would lose
// every digit of the variance) and around zero.
TEST(BatchNormLayerTest, StatisticsAndOutputsMatchDoubleSumsOnEveryKernelSet) {
  testing::ScopedGemmIsa restore;
  for (math::Isa isa : {math::Isa::kGeneric, math::Isa::kAvx2, math::Isa::kAvx512}) {
    if (!math::CpuSupports(isa)) continue;
    SCOPED_TRACE(math::IsaName(isa));
    math::SetGemmIsa(isa);
    auto layer = MakeLayer(R"(name: "bn" type: "BatchNorm" phase: TRAIN
                              batch_norm_param { moving_average_fraction: 0 eps: 0 })");
    auto x = GaussianBlob({3, 2, 37}, 7);
    float* v = x->mutable_data();
    for (int i = 0; i < 37 * 3; ++i) v[(i / 37) * 74 + i % 37] += 10000.f;  // channel 0
    Blob y;
    layer->SetUp({x.get()}, {&y});
    layer->Forward({x.get()}, {&y});
    for (int c = 0; c < 2; ++c) {
      double mean = 0, var = 0;
      for (int n = 0; n < 3; ++n) {
        for (int i = 0; i < 37; ++i) mean += x->data()[(n * 2 + c) * 37 + i];
      }
      mean /= 111;
      for (int n = 0; n < 3; ++n) {
        for (int i = 0; i < 37; ++i) var += std::pow(x->data()[(n * 2 + c) * 37 + i] - mean, 2);
      }
      var /= 111;
      EXPECT_NEAR(layer->blobs()[0]->data()[c], mean, 1e-6 * std::abs(mean) + 1e-6) << c;
      EXPECT_NEAR(layer->blobs()[1]->data()[c], var * 111 / 110, 1e-4 * var) << c;
      for (int n = 0; n < 3; ++n) {
        for (int i = 0; i < 37; ++i) {
          const int at = (n * 2 + c) * 37 + i;
          EXPECT_NEAR(y.data()[at], (x->data()[at] - mean) / std::sqrt(var), 2e-3) << at;
        }
      }
    }
  }
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
