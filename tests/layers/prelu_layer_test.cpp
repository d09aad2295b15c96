#include "strata/layers/prelu_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

TEST(PReLULayerTest, ForwardPerChannelSlopes) {
  auto layer = MakeLayer(R"(name: "p" type: "PReLU")");
  auto x = BlobOf({1, 2, 2}, {-2, 3, -4, 5});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  EXPECT_EQ(layer->blobs()[0]->data()[0], 0.25f);  // default slope
  layer->blobs()[0]->mutable_data()[1] = 0.5f;
  layer->Forward({x.get()}, {&y});
  EXPECT_EQ(std::vector<float>(y.data(), y.data() + 4), (std::vector<float>{-0.5f, 3, -2, 5}));
}

TEST(PReLULayerTest, GradientCheck) {
  auto layer = MakeLayer(
      R"(name: "p" type: "PReLU" prelu_param { filler { type: "uniform" min: 0.1 max: 0.5 } })");
  auto x = GaussianBlob({2, 3, 2, 2}, 1);
  Blob y;
  GradientCheckOptions options;
  options.kink_range = 0.02f;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y}, {}, options);
}

TEST(PReLULayerTest, GradientCheckSharedInPlace) {
  auto layer = MakeLayer(R"(name: "p" type: "PReLU" prelu_param { channel_shared: true })");
  auto x = GaussianBlob({2, 3}, 2);
  Blob y;
  GradientCheckOptions options;
  options.kink_range = 0.02f;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y}, {}, options);
  EXPECT_EQ(layer->blobs()[0]->count(), 1);
}

TEST(PReLULayerTest, RejectsNoChannelAxis) {
  auto x = GaussianBlob({3}, 1);
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "p" type: "PReLU")")->SetUp({x.get()}, {&y}), ShapeError);
}

}  // namespace
}  // namespace strata
