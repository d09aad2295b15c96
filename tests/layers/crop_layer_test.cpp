#include "strata/layers/crop_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

TEST(CropLayerTest, ForwardMatchesHandComputed) {
  auto layer = MakeLayer(R"(name: "c" type: "Crop" crop_param { axis: 2 offset: 1 })");
  std::vector<float> values(16);
  for (int i = 0; i < 16; ++i) values[i] = static_cast<float>(i);
  auto x = BlobOf({1, 1, 4, 4}, values);
  Blob reference({1, 1, 2, 2}), y;
  layer->SetUp({x.get(), &reference}, {&y});
  layer->Forward({x.get(), &reference}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{1, 1, 2, 2}));
  EXPECT_EQ(std::vector<float>(y.data(), y.data() + 4), (std::vector<float>{5, 6, 9, 10}));
}

TEST(CropLayerTest, PerAxisOffsetsAndEarlierAxesKept) {
  auto layer =
      MakeLayer(R"(name: "c" type: "Crop" crop_param { axis: 1 offset: 1 offset: 0 offset: 2 })");
  auto x = GaussianBlob({2, 3, 4, 5}, 1);
  Blob reference({9, 2, 3, 3}), y;
  layer->SetUp({x.get(), &reference}, {&y});
  layer->Forward({x.get(), &reference}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{2, 2, 3, 3}));
  EXPECT_EQ(y.data()[0], x->data()[(1 * 4 + 0) * 5 + 2]);
}

TEST(CropLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "c" type: "Crop" crop_param { offset: 1 })");
  auto x = GaussianBlob({2, 2, 4, 4}, 2);
  Blob reference({2, 2, 2, 3}), y;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), &reference}, {&y}, {0});
}

TEST(CropLayerTest, RejectsCropOutsideTheBottom) {
  auto layer = MakeLayer(R"(name: "c" type: "Crop" crop_param { offset: 3 })");
  auto x = GaussianBlob({1, 1, 4, 4}, 1);
  Blob reference({1, 1, 2, 2}), y;
  EXPECT_THROW(layer->SetUp({x.get(), &reference}, {&y}), ShapeError);
  auto offsets =
      MakeLayer(R"(name: "c" type: "Crop" crop_param { offset: 0 offset: 0 offset: 0 })");
  EXPECT_THROW(offsets->SetUp({x.get(), &reference}, {&y}), ConfigError);
}

}  // namespace
}  // namespace strata
