#include "strata/layers/batch_reindex_layer.hpp"

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

TEST(BatchReindexLayerTest, PicksItemsWithRepeats) {
  auto layer = MakeLayer(R"(name: "b" type: "BatchReindex")");
  auto x = BlobOf({3, 1}, {10, 20, 30});
  auto index = BlobOf({4}, {2, 0, 2, 1});
  Blob y;
  layer->SetUp({x.get(), index.get()}, {&y});
  layer->Forward({x.get(), index.get()}, {&y});
  EXPECT_EQ(Values(y), (std::vector<float>{30, 10, 30, 20}));
}

TEST(BatchReindexLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "b" type: "BatchReindex")");
  auto x = GaussianBlob({3, 2}, 1);
  auto index = BlobOf({4}, {2, 0, 2, 1});
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), index.get()}, {&y}, {0});
}

TEST(BatchReindexLayerTest, RejectsBadIndex) {
  auto x = GaussianBlob({3, 2}, 1);
  auto index = BlobOf({2}, {0, 3});
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "b" type: "BatchReindex")")->SetUp({x.get(), index.get()}, {&y}),
               DataError);
}

}  // namespace
}  // namespace strata
