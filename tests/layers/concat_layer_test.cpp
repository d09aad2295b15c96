#include "strata/layers/concat_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

TEST(ConcatLayerTest, ForwardAlongChannels) {
  auto layer = MakeLayer(R"(name: "c" type: "Concat")");
  auto a = BlobOf({2, 1}, {1, 2}), b = BlobOf({2, 2}, {3, 4, 5, 6});
  Blob y;
  layer->SetUp({a.get(), b.get()}, {&y});
  layer->Forward({a.get(), b.get()}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{2, 3}));
  EXPECT_EQ(std::vector<float>(y.data(), y.data() + 6), (std::vector<float>{1, 3, 4, 2, 5, 6}));
}

TEST(ConcatLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "c" type: "Concat" concat_param { axis: -1 })");
  auto a = GaussianBlob({2, 3, 2}, 1), b = GaussianBlob({2, 3, 3}, 2);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {a.get(), b.get()}, {&y});
}

TEST(ConcatLayerTest, RejectsMismatchedShapes) {
  auto a = GaussianBlob({2, 3}, 1), b = GaussianBlob({3, 3}, 2);
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "c" type: "Concat")")->SetUp({a.get(), b.get()}, {&y}),
               ShapeError);
}

}  // namespace
}  // namespace strata
