#include "strata/layers/layer_norm_layer.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/errors.hpp"
#include "strata/random.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

TEST(LayerNormLayerTest, ForwardMatchesHandComputed) {
  auto layer = MakeLayer(R"(name: "ln" type: "LayerNorm" layer_norm_param { eps: 0 })");
  auto x = BlobOf({2, 2}, {1, 3, 10, 20});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->blobs()[0]->mutable_data()[1] = 2;     // gamma
  layer->blobs()[1]->mutable_data()[0] = 0.5f;  // beta
  layer->Forward({x.get()}, {&y});
  EXPECT_NEAR(y.data()[0], -1 + 0.5, 1e-6);
  EXPECT_NEAR(y.data()[1], 2, 1e-6);
  EXPECT_NEAR(y.data()[2], -0.5, 1e-6);
  EXPECT_NEAR(y.data()[3], 2, 1e-6);
}

TEST(LayerNormLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "ln" type: "LayerNorm")");
  auto x = GaussianBlob({3, 2, 3}, 1);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  Rng rng(4);
  for (auto& blob : layer->blobs()) {
    for (int i = 0; i < blob->count(); ++i) blob->mutable_data()[i] = rng.Gaussian(1.f, 0.5f);
  }
  const auto report = CheckLayerGradient(layer.get(), {x.get()}, {&y}, {});
  EXPECT_TRUE(report.passed()) << report.mismatches.size() << " mismatches";
  EXPECT_EQ(report.checked, 6 + 6 + 18);
}

TEST(LayerNormLayerTest, RejectsChangedTrailingShape) {
  auto layer = MakeLayer(R"(name: "ln" type: "LayerNorm" layer_norm_param { axis: 1 })");
  auto x = GaussianBlob({2, 3}, 1);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  x->Reshape({2, 4});
  EXPECT_THROW(layer->Reshape({x.get()}, {&y}), ShapeError);
  EXPECT_THROW(MakeLayer(R"(name: "ln" type: "LayerNorm" layer_norm_param { eps: -1 })")
                   ->SetUp({x.get()}, {&y}),
               ConfigError);
}

}  // namespace
}  // namespace strata
