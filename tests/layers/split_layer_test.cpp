#include "strata/layers/split_layer.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::GaussianBlob;
using testing::MakeLayer;

TEST(SplitLayerTest, ForwardSharesBottomData) {
  auto layer = MakeLayer(R"(name: "s" type: "Split")");
  auto x = GaussianBlob({2, 3}, 1);
  Blob a, b;
  layer->SetUp({x.get()}, {&a, &b});
  layer->Forward({x.get()}, {&a, &b});
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(a.data()[i], x->data()[i]);
    EXPECT_EQ(b.data()[i], x->data()[i]);
  }
}

TEST(SplitLayerTest, BackwardSumsTopDiffs) {
  auto layer = MakeLayer(R"(name: "s" type: "Split")");
  auto x = GaussianBlob({3}, 1);
  Blob a, b, c;
  layer->SetUp({x.get()}, {&a, &b, &c});
  for (int i = 0; i < 3; ++i) {
    a.mutable_diff()[i] = 1;
    b.mutable_diff()[i] = 10;
    c.mutable_diff()[i] = static_cast<float>(i);
  }
  layer->Backward({&a, &b, &c}, {true}, {x.get()});
  EXPECT_EQ(std::vector<float>(x->diff(), x->diff() + 3), (std::vector<float>{11, 12, 13}));
}

// Blobs longer than one slice of the pool's hand-outs, with one top (a copy)
// and with two (their sum, each value rounded once).
TEST(SplitLayerTest, BackwardOverManySlices) {
  auto x = GaussianBlob({50001}, 3);
  const auto da = GaussianBlob({50001}, 4), db = GaussianBlob({50001}, 5);
  for (const int tops : {1, 2}) {
    auto layer = MakeLayer(R"(name: "s" type: "Split")");
    Blob a, b;
    std::vector<Blob*> top{&a};
    if (tops == 2) top.push_back(&b);
    layer->SetUp({x.get()}, top);
    std::copy_n(da->data(), da->count(), a.mutable_diff());
    if (tops == 2) std::copy_n(db->data(), db->count(), b.mutable_diff());
    layer->Backward(top, {true}, {x.get()});
    for (int i = 0; i < x->count(); ++i) {
      const float expected = tops == 1 ? da->data()[i] : da->data()[i] + db->data()[i];
      ASSERT_EQ(x->diff()[i], expected) << tops << " tops, value " << i;
    }
  }
}

TEST(SplitLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "s" type: "Split")");
  auto x = GaussianBlob({2, 3}, 2);
  Blob a, b;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&a, &b});
}

TEST(SplitLayerTest, RejectsNoTop) {
  auto layer = MakeLayer(R"(name: "s" type: "Split")");
  auto x = GaussianBlob({2}, 1);
  EXPECT_THROW(layer->SetUp({x.get()}, {}), ConfigError);
}

}  // namespace
}  // namespace strata
