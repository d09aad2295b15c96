#include "strata/layers/lstm_unit_layer.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::GaussianBlob;
using testing::MakeLayer;

TEST(LSTMUnitLayerTest, ForwardMatchesHandComputed) {
  auto layer = MakeLayer(R"(name: "u" type: "LSTMUnit")");
  Blob c_prev({1, 2, 1}), gates({1, 2, 4}), cont({1, 2}), c, h;
  const float prev[2] = {0.5f, -2.f};
  const float x[8] = {0.1f, -0.2f, 0.3f, 0.4f, 1.f, 2.f, -1.f, -0.5f};
  std::copy_n(prev, 2, c_prev.mutable_data());
  std::copy_n(x, 8, gates.mutable_data());
  cont.mutable_data()[0] = 1.f;  // stream 0 continues, stream 1 starts anew
  cont.mutable_data()[1] = 0.f;
  layer->SetUp({&c_prev, &gates, &cont}, {&c, &h});
  layer->Forward({&c_prev, &gates, &cont}, {&c, &h});
  const auto sigmoid = [](float v) { return 1.f / (1.f + std::exp(-v)); };
  for (int n = 0; n < 2; ++n) {
    const float* a = x + 4 * n;
    const float cell = cont.data()[n] * sigmoid(a[1]) * prev[n] + sigmoid(a[0]) * std::tanh(a[3]);
    EXPECT_NEAR(c.data()[n], cell, 1e-6);
    EXPECT_NEAR(h.data()[n], sigmoid(a[2]) * std::tanh(cell), 1e-6);
  }
}

TEST(LSTMUnitLayerTest, Gradients) {
  auto layer = MakeLayer(R"(name: "u" type: "LSTMUnit")");
  auto c_prev = GaussianBlob({1, 3, 2}, 3);
  auto gates = GaussianBlob({1, 3, 8}, 4);
  Blob cont({1, 3}), c, h;
  cont.mutable_data()[0] = 1.f;
  cont.mutable_data()[1] = 0.f;
  cont.mutable_data()[2] = 1.f;
  testing::ExpectGradientsMatch(layer.get(), {c_prev.get(), gates.get(), &cont}, {&c, &h}, {0, 1});
}

TEST(LSTMUnitLayerTest, RefusesBadShapes) {
  auto layer = MakeLayer(R"(name: "u" type: "LSTMUnit")");
  Blob c_prev({1, 2, 3}), gates({1, 2, 11}), cont({1, 2}), c, h;
  try {
    layer->SetUp({&c_prev, &gates, &cont}, {&c, &h});
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("(1,2,12)"), std::string::npos) << e.what();
  }
  Blob good_gates({1, 2, 12}), bad_cont({2, 1});
  EXPECT_THROW(layer->SetUp({&c_prev, &good_gates, &bad_cont}, {&c, &h}), ShapeError);
}

}  // namespace
}  // namespace strata
