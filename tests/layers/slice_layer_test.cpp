#include "strata/layers/slice_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

TEST(SliceLayerTest, ForwardAtSlicePoints) {
  auto layer = MakeLayer(R"(name: "s" type: "Slice" slice_param { slice_point: 1 })");
  auto x = BlobOf({2, 3}, {1, 2, 3, 4, 5, 6});
  Blob a, b;
  layer->SetUp({x.get()}, {&a, &b});
  layer->Forward({x.get()}, {&a, &b});
  EXPECT_EQ(std::vector<float>(a.data(), a.data() + 2), (std::vector<float>{1, 4}));
  EXPECT_EQ(std::vector<float>(b.data(), b.data() + 4), (std::vector<float>{2, 3, 5, 6}));
}

TEST(SliceLayerTest, EvenSplitGradientCheck) {
  auto layer = MakeLayer(R"(name: "s" type: "Slice" slice_param { axis: 0 })");
  auto x = GaussianBlob({4, 3}, 1);
  Blob a, b;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&a, &b});
  EXPECT_EQ(a.shape(), (std::vector<int>{2, 3}));
}

TEST(SliceLayerTest, RejectsBadSlicePoints) {
  auto x = GaussianBlob({2, 3}, 1);
  Blob a, b;
  EXPECT_THROW(MakeLayer(R"(name: "s" type: "Slice" slice_param { slice_point: 3 })")
                   ->SetUp({x.get()}, {&a, &b}),
               ConfigError);
  EXPECT_THROW(MakeLayer(R"(name: "s" type: "Slice" slice_param { slice_point: 1 slice_point: 2 })")
                   ->SetUp({x.get()}, {&a, &b}),
               ConfigError);
  EXPECT_THROW(MakeLayer(R"(name: "s" type: "Slice")")->SetUp({x.get()}, {&a, &b}), ShapeError);
}

}  // namespace
}  // namespace strata
