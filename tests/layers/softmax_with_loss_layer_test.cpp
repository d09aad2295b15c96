#include "strata/layers/softmax_with_loss_layer.hpp"

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

double LogSoftmax(const std::vector<double>& x, int k) {
  double z = 0;
  for (double v : x) z += std::exp(v);
  return x[k] - std::log(z);
}

TEST(SoftmaxWithLossLayerTest, ForwardMatchesHandComputed) {
  auto layer = MakeLayer(R"(name: "loss" type: "SoftmaxWithLoss")");
  auto x = BlobOf({2, 3}, {1, 2, 3, 0, 0, 1});
  auto label = BlobOf({2}, {2, 0});
  Blob loss;
  layer->SetUp({x.get(), label.get()}, {&loss});
  EXPECT_EQ(loss.count(), 1);
  EXPECT_FLOAT_EQ(layer->loss(0), 1.f);  // default loss_weight
  const float total = layer->Forward({x.get(), label.get()}, {&loss});
  const double expected = -(LogSoftmax({1, 2, 3}, 2) + LogSoftmax({0, 0, 1}, 0)) / 2;
  EXPECT_NEAR(loss.data()[0], expected, 1e-6);
  EXPECT_NEAR(total, expected, 1e-6);
}

TEST(SoftmaxWithLossLayerTest, NormalizationModes) {
  // 2 examples x 3 classes x 2 positions; one position ignored.
  auto x = GaussianBlob({2, 3, 2}, 3);
  auto label = BlobOf({2, 2}, {0, 1, 2, -1});
  auto run = [&](const std::string& normalization) {
    auto layer = MakeLayer(R"(name: "loss" type: "SoftmaxWithLoss"
        loss_param { ignore_label: -1 normalization: )" +
                           normalization + " }");
    Blob loss;
    layer->SetUp({x.get(), label.get()}, {&loss});
    layer->Forward({x.get(), label.get()}, {&loss});
    return static_cast<double>(loss.data()[0]);
  };
  const double none = run("NONE");
  EXPECT_NEAR(run("VALID"), none / 3, 1e-6);
  EXPECT_NEAR(run("FULL"), none / 4, 1e-6);
  EXPECT_NEAR(run("BATCH_SIZE"), none / 2, 1e-6);
  EXPECT_GT(none, 0);
}

TEST(SoftmaxWithLossLayerTest, SecondTopIsProbabilities) {
  auto layer = MakeLayer(R"(name: "loss" type: "SoftmaxWithLoss")");
  auto x = BlobOf({1, 2}, {0, 0});
  auto label = BlobOf({1}, {1});
  Blob loss, prob;
  layer->SetUp({x.get(), label.get()}, {&loss, &prob});
  EXPECT_FLOAT_EQ(layer->loss(1), 0.f);
  layer->Forward({x.get(), label.get()}, {&loss, &prob});
  EXPECT_FLOAT_EQ(prob.data()[0], 0.5f);
  EXPECT_NEAR(loss.data()[0], std::log(2.0), 1e-6);
}

TEST(SoftmaxWithLossLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "loss" type: "SoftmaxWithLoss")");
  auto x = GaussianBlob({3, 5}, 4);
  auto label = BlobOf({3}, {0, 4, 2});
  Blob loss;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), label.get()}, {&loss}, {0});
}

TEST(SoftmaxWithLossLayerTest, GradientCheckWithIgnoreLabelAndSpatialAxis) {
  auto layer = MakeLayer(R"(name: "loss" type: "SoftmaxWithLoss" loss_weight: 2
                            loss_param { ignore_label: 1 })");
  auto x = GaussianBlob({2, 3, 2}, 5);
  auto label = BlobOf({2, 2}, {0, 1, 2, 2});
  Blob loss;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), label.get()}, {&loss}, {0});
}

TEST(SoftmaxWithLossLayerTest, RejectsLabelOutOfRangeNamingIt) {
  auto layer = MakeLayer(R"(name: "loss" type: "SoftmaxWithLoss")");
  auto x = GaussianBlob({2, 3}, 1);
  auto label = BlobOf({2}, {0, 7});
  Blob loss;
  layer->SetUp({x.get(), label.get()}, {&loss});
  try {
    layer->Forward({x.get(), label.get()}, {&loss});
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("label 7"), std::string::npos) << e.what();
  }
}

TEST(SoftmaxWithLossLayerTest, RejectsLabelCountMismatch) {
  auto layer = MakeLayer(R"(name: "loss" type: "SoftmaxWithLoss")");
  auto x = GaussianBlob({2, 3}, 1);
  auto label = BlobOf({3}, {0, 1, 2});
  Blob loss;
  EXPECT_THROW(layer->SetUp({x.get(), label.get()}, {&loss}), ShapeError);
}

TEST(SoftmaxWithLossLayerTest, RejectsLossWeightCountMismatch) {
  auto layer = MakeLayer(R"(name: "loss" type: "SoftmaxWithLoss" loss_weight: 1 loss_weight: 0
                            loss_weight: 3)");
  auto x = GaussianBlob({2, 3}, 1);
  auto label = BlobOf({2}, {0, 1});
  Blob loss;
  EXPECT_THROW(layer->SetUp({x.get(), label.get()}, {&loss}), ConfigError);
}

}  // namespace
}  // namespace strata
