#include "strata/layers/dropout_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::GaussianBlob;
using testing::MakeLayer;

TEST(DropoutLayerTest, TrainDropsAndRescales) {
  auto layer =
      MakeLayer(R"(name: "d" type: "Dropout" phase: TRAIN dropout_param { dropout_ratio: 0.25 })");
  Blob x({10000}), y;
  for (int i = 0; i < x.count(); ++i) x.mutable_data()[i] = 1.f;
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  int kept = 0;
  for (int i = 0; i < y.count(); ++i) {
    if (y.data()[i] != 0.f) {
      EXPECT_FLOAT_EQ(y.data()[i], 1.f / 0.75f);
      ++kept;
    }
  }
  EXPECT_NEAR(kept / 10000.0, 0.75, 0.02);
}

TEST(DropoutLayerTest, TestIsIdentity) {
  auto layer = MakeLayer(R"(name: "d" type: "Dropout" phase: TEST)");
  auto x = GaussianBlob({5}, 1);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(y.data()[i], x->data()[i]);
}

TEST(DropoutLayerTest, GradientCheck) {
  // The checker reseeds the layer before each forward, so the mask is fixed.
  auto layer = MakeLayer(R"(name: "d" type: "Dropout" phase: TRAIN)");
  auto x = GaussianBlob({4, 5}, 2);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(DropoutLayerTest, RejectsBadRatio) {
  auto x = GaussianBlob({2}, 1);
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "d" type: "Dropout" dropout_param { dropout_ratio: 1 })")
                   ->SetUp({x.get()}, {&y}),
               ConfigError);
}

}  // namespace
}  // namespace strata
