#include "strata/layers/scale_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

TEST(ScaleLayerTest, LearnedScaleAndBiasPerChannel) {
  auto layer = MakeLayer(R"(name: "s" type: "Scale" scale_param { bias_term: true })");
  auto x = BlobOf({1, 2, 2}, {1, 2, 3, 4});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  ASSERT_EQ(layer->blobs().size(), 2u);
  EXPECT_EQ(layer->blobs()[0]->data()[1], 1.f);  // default scale filler: 1
  layer->blobs()[0]->mutable_data()[1] = 10;
  layer->blobs()[1]->mutable_data()[0] = 0.5f;
  layer->Forward({x.get()}, {&y});
  EXPECT_EQ(std::vector<float>(y.data(), y.data() + 4), (std::vector<float>{1.5, 2.5, 30, 40}));
}

TEST(ScaleLayerTest, SecondBottomAndAxis) {
  auto layer = MakeLayer(R"(name: "s" type: "Scale" scale_param { axis: 2 })");
  auto x = BlobOf({1, 2, 2}, {1, 2, 3, 4});
  auto s = BlobOf({2}, {2, 3});
  Blob y;
  layer->SetUp({x.get(), s.get()}, {&y});
  layer->Forward({x.get(), s.get()}, {&y});
  EXPECT_EQ(std::vector<float>(y.data(), y.data() + 4), (std::vector<float>{2, 6, 6, 12}));
}

TEST(ScaleLayerTest, GradientCheckLearned) {
  auto layer = MakeLayer(R"(name: "s" type: "Scale" scale_param { bias_term: true num_axes: 2
      filler { type: "gaussian" } bias_filler { type: "gaussian" } })");
  auto x = GaussianBlob({2, 3, 2, 2}, 1);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(ScaleLayerTest, GradientCheckSecondBottom) {
  auto layer = MakeLayer(R"(name: "s" type: "Scale")");
  auto x = GaussianBlob({2, 3, 2}, 2), s = GaussianBlob({3, 2}, 3);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), s.get()}, {&y});
}

TEST(ScaleLayerTest, InPlaceKeepsTheGradientRight) {
  auto x = GaussianBlob({2, 3}, 4);
  auto layer =
      MakeLayer(R"(name: "s" type: "Scale" scale_param { filler { type: "constant" value: 2 } })");
  layer->SetUp({x.get()}, {x.get()});
  const std::vector<float> before(x->data(), x->data() + 6);
  layer->Forward({x.get()}, {x.get()});
  for (int i = 0; i < 6; ++i) x->mutable_diff()[i] = 1;
  layer->Backward({x.get()}, {true}, {x.get()});
  double expected = 0;
  for (int i = 0; i < 6; i += 3) expected += before[i];
  EXPECT_NEAR(layer->blobs()[0]->diff()[0], expected, 1e-5);
  EXPECT_EQ(x->diff()[0], 2.f);
}

TEST(ScaleLayerTest, RejectsMismatchedScaleShape) {
  auto layer = MakeLayer(R"(name: "s" type: "Scale")");
  auto x = GaussianBlob({2, 3}, 1), s = GaussianBlob({4}, 2);
  Blob y;
  EXPECT_THROW(layer->SetUp({x.get(), s.get()}, {&y}), ShapeError);
  auto too_many = MakeLayer(R"(name: "s" type: "Scale" scale_param { axis: 1 num_axes: 3 })");
  EXPECT_THROW(too_many->SetUp({x.get()}, {&y}), ShapeError);
}

}  // namespace
}  // namespace strata
