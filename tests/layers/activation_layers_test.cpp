// The element-wise activations ELU, AbsVal, Power, Exp, Log, BNLL, Clip and
// Swish: forward against a scalar reference formula, numerical gradient
// check, and each layer's bad parameters. (ReLU, Sigmoid and TanH are in
// neuron_layers_test.cpp.)
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "strata/errors.hpp"
#include "strata/random.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::MakeLayer;

struct Activation {
  std::string name;
  std::string text;
  std::function<double(double)> reference;
  float low, high;  // inputs drawn from U(low, high)
  float kink = 0, kink_range = -1;
};

void PrintTo(const Activation& a, std::ostream* os) { *os << a.name; }

double Sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

class ActivationTest : public ::testing::TestWithParam<Activation> {
 protected:
  std::unique_ptr<Blob> Input() const {
    auto x = std::make_unique<Blob>(std::vector<int>{2, 3, 4});
    Rng rng(11);
    for (int i = 0; i < x->count(); ++i)
      x->mutable_data()[i] = rng.Uniform(GetParam().low, GetParam().high);
    return x;
  }
};

TEST_P(ActivationTest, ForwardMatchesReferenceFormula) {
  auto layer = MakeLayer(GetParam().text);
  auto x = Input();
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  ASSERT_EQ(y.shape(), x->shape());
  for (int i = 0; i < x->count(); ++i) {
    const double expected = GetParam().reference(x->data()[i]);
    EXPECT_NEAR(y.data()[i], expected, 1e-5 * std::max(1.0, std::fabs(expected)))
        << "x = " << x->data()[i];
  }
}

TEST_P(ActivationTest, GradientCheck) {
  auto layer = MakeLayer(GetParam().text);
  auto x = Input();
  Blob y;
  GradientCheckOptions options;
  options.kink = GetParam().kink;
  options.kink_range = GetParam().kink_range;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y}, {}, options);
}

INSTANTIATE_TEST_SUITE_P(
    Layers, ActivationTest,
    ::testing::Values(
        Activation{"ELU", R"(name: "a" type: "ELU" elu_param { alpha: 0.5 })",
                   [](double x) { return x > 0 ? x : 0.5 * (std::exp(x) - 1); }, -2, 2, 0, 0.02f},
        Activation{"AbsVal", R"(name: "a" type: "AbsVal")", [](double x) { return std::fabs(x); },
                   -2, 2, 0, 0.02f},
        Activation{"Power",
                   R"(name: "a" type: "Power" power_param { power: 1.5 scale: 0.8 shift: 0.1 })",
                   [](double x) { return std::pow(0.1 + 0.8 * x, 1.5); }, 0.2f, 2},
        Activation{"PowerSquare",
                   R"(name: "a" type: "Power" power_param { power: 2 scale: -1 shift: 1 })",
                   [](double x) { return (1 - x) * (1 - x); }, -2, 2},
        Activation{"Exp", R"(name: "a" type: "Exp" exp_param { scale: -1 })",
                   [](double x) { return std::exp(-x); }, -2, 2},
        Activation{"ExpBase2", R"(name: "a" type: "Exp" exp_param { base: 2 scale: 0.5 shift: 1 })",
                   [](double x) { return std::pow(2.0, 1 + 0.5 * x); }, -2, 2},
        Activation{"Log", R"(name: "a" type: "Log" log_param { shift: 1 })",
                   [](double x) { return std::log(1 + x); }, 0, 3},
        Activation{"LogBase10", R"(name: "a" type: "Log" log_param { base: 10 scale: 2 })",
                   [](double x) { return std::log10(2 * x); }, 0.5f, 3},
        Activation{"BNLL", R"(name: "a" type: "BNLL")",
                   [](double x) { return std::log1p(std::exp(x)); }, -4, 4},
        Activation{"Clip", R"(name: "a" type: "Clip" clip_param { min: -1 max: 1.2 })",
                   [](double x) { return std::min(std::max(x, -1.0), 1.2); }, -2, 2, -1, 0.02f},
        Activation{"Swish", R"(name: "a" type: "Swish" swish_param { beta: 1.5 })",
                   [](double x) { return x * Sigmoid(1.5 * x); }, -3, 3}),
    [](const ::testing::TestParamInfo<Activation>& info) { return info.param.name; });

TEST(ClipLayerTest, KinkAtUpperBoundToo) {
  auto layer = MakeLayer(R"(name: "a" type: "Clip" clip_param { min: -1 max: 1 })");
  auto x = testing::BlobOf({4}, {-1.5f, -0.5f, 0.5f, 1.5f});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  for (int i = 0; i < 4; ++i) y.mutable_diff()[i] = 1;
  layer->Backward({&y}, {true}, {x.get()});
  EXPECT_EQ(std::vector<float>(x->diff(), x->diff() + 4), (std::vector<float>{0, 1, 1, 0}));
}

TEST(ActivationLayersTest, RejectBadParameters) {
  auto x = testing::GaussianBlob({3}, 1);
  Blob y;
  for (const char* text : {
           R"(name: "a" type: "ELU" elu_param { alpha: -1 })",
           R"(name: "a" type: "Exp" exp_param { base: -2 })",
           R"(name: "a" type: "Log" log_param { base: 1 })",
           R"(name: "a" type: "Clip" clip_param { min: 2 max: 1 })",
           R"(name: "a" type: "Clip" clip_param { min: 0 })",
           R"(name: "a" type: "AbsVal" power_param { power: 2 })",
       }) {
    EXPECT_THROW(MakeLayer(text)->SetUp({x.get()}, {&y}), ConfigError) << text;
  }
  // Layers that need x in Backward refuse to run in place.
  for (const char* type : {"AbsVal", "Power", "Log", "BNLL", "Clip", "Swish"}) {
    EXPECT_FALSE(MakeLayer(std::string("name: \"a\" type: \"") + type + "\"")->AllowsInPlace())
        << type;
  }
  EXPECT_TRUE(MakeLayer(R"(name: "a" type: "ELU")")->AllowsInPlace());
}

TEST(ActivationLayersTest, RejectWrongBlobCountsAndUnreadParams) {
  auto a = testing::GaussianBlob({3}, 1), b = testing::GaussianBlob({3}, 2);
  Blob y, z;
  for (const char* type : {"ELU", "AbsVal", "Power", "Exp", "Log", "BNLL", "Clip", "Swish"}) {
    const std::string base = std::string("name: \"a\" type: \"") + type + "\"" +
                             (std::string(type) == "Clip" ? " clip_param { min: 0 max: 1 }" : "");
    EXPECT_THROW(MakeLayer(base)->SetUp({a.get(), b.get()}, {&y}), ConfigError) << type;
    EXPECT_THROW(MakeLayer(base)->SetUp({a.get()}, {&y, &z}), ConfigError) << type;
    EXPECT_THROW(MakeLayer(base + " pooling_param { kernel_size: 2 }")->SetUp({a.get()}, {&y}),
                 ConfigError)
        << type;
  }
}

}  // namespace
}  // namespace strata
