#include "strata/layers/filter_layer.hpp"

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

[[maybe_unused]] std::vector<float> Values(const Blob& b) {
  return std::vector<float>(b.data(), b.data() + b.count());
}

TEST(FilterLayerTest, KeepsSelectedItems) {
  auto layer = MakeLayer(R"(name: "f" type: "Filter")");
  auto x = BlobOf({3, 2}, {1, 2, 3, 4, 5, 6});
  auto selector = BlobOf({3}, {1, 0, 1});
  Blob y;
  layer->SetUp({x.get(), selector.get()}, {&y});
  layer->Forward({x.get(), selector.get()}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{2, 2}));
  EXPECT_EQ(Values(y), (std::vector<float>{1, 2, 5, 6}));
}

TEST(FilterLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "f" type: "Filter")");
  auto x = GaussianBlob({4, 3}, 1);
  auto selector = BlobOf({4}, {0, 1, 1, 0});
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), selector.get()}, {&y}, {0});
}

TEST(FilterLayerTest, RejectsSelectorMismatch) {
  auto x = GaussianBlob({4, 3}, 1);
  auto selector = BlobOf({3}, {0, 1, 1});
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "f" type: "Filter")")->SetUp({x.get(), selector.get()}, {&y}),
               ShapeError);
}

}  // namespace
}  // namespace strata
