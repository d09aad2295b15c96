#include "strata/net.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "strata/errors.hpp"
#include "strata/io.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::ParseNet;

// data (4x3, gaussian), target (4x2); fc (3 -> 2); EuclideanLoss.
const char* kRegression = R"(
  name: "regression"
  layer { name: "data" type: "DummyData" top: "data" top: "target"
    dummy_data_param { shape { dim: 4 dim: 3 } shape { dim: 4 dim: 2 }
                       data_filler { type: "gaussian" } data_filler { type: "constant" value: 0.5 } } }
  layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc"
    inner_product_param { num_output: 2 weight_filler { type: "gaussian" } } }
  layer { name: "loss" type: "EuclideanLoss" bottom: "fc" bottom: "target" top: "loss" LOSS_WEIGHT }
)";

std::string Regression(const std::string& loss_weight = "") {
  std::string text = kRegression;
  text.replace(text.find("LOSS_WEIGHT"), 11, loss_weight);
  return text;
}

NetParameter WithPhase(const std::string& text, Phase phase) {
  NetParameter param = ParseNet(text);
  param.mutable_state()->set_phase(phase);
  return param;
}

// Sets up a net from text in a temp file, so errors carry file positions.
std::string NetFile(const std::string& name, const std::string& text) {
  return testing::WriteTextFile(testing::MakeTempDir("net") + "/" + name, text);
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(NetTest, ForwardBackwardComputesLossAndParamGradients) {
  Net net(WithPhase(Regression(), TRAIN));
  EXPECT_EQ(net.layers().size(), 3u);
  EXPECT_EQ(net.learnable_params().size(), 2u);
  const float loss = net.ForwardBackward();
  EXPECT_GT(loss, 0);
  EXPECT_FLOAT_EQ(loss, net.blob_by_name("loss")->data()[0]);
  EXPECT_GT(net.learnable_params()[0]->asum_diff(), 0);
  EXPECT_EQ(net.output_blob_names(), (std::vector<std::string>{"loss"}));
}

// Layer by layer gives what the whole pass gives, and an error raised in a
// layer run this way still names the layer and its place in the file.
TEST(NetTest, ForwardFromToAndBackwardFromToRunPartsWithContext) {
  Net whole(WithPhase(Regression(), TRAIN));
  Net parts(WithPhase(Regression(), TRAIN));
  const float loss = whole.ForwardBackward();
  float parts_loss = 0.f;
  for (int i = 0; i < 3; ++i) parts_loss += parts.ForwardFromTo(i, i);
  parts.ClearParamDiffs();
  parts.BackwardFromTo(2, 1);
  parts.BackwardFromTo(0, 0);
  EXPECT_EQ(parts_loss, loss);
  for (size_t p = 0; p < whole.learnable_params().size(); ++p) {
    const Blob& a = *whole.learnable_params()[p];
    const Blob& b = *parts.learnable_params()[p];
    EXPECT_EQ(std::vector<float>(a.diff(), a.diff() + a.count()),
              std::vector<float>(b.diff(), b.diff() + b.count()));
  }
  EXPECT_THROW(parts.ForwardFromTo(1, 3), ConfigError);
  EXPECT_THROW(parts.ForwardFromTo(2, 1), ConfigError);
  EXPECT_THROW(parts.BackwardFromTo(0, 1), ConfigError);

  const std::string path = NetFile("bad_label.prototxt", R"(
layer { name: "data" type: "DummyData" top: "x" top: "y"
  dummy_data_param { shape { dim: 2 dim: 3 } shape { dim: 2 }
                     data_filler { type: "constant" value: 1 } data_filler { type: "constant" value: 7 } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "x" bottom: "y" top: "loss" }
)");
  Net bad(path, TRAIN);
  bad.ForwardFromTo(0, 0);
  const std::string message = ErrorOf([&] { bad.ForwardFromTo(1, 1); });
  EXPECT_NE(message.find("bad_label.prototxt:5:1: layer 'loss' (SoftmaxWithLoss): label 7"),
            std::string::npos)
      << message;
}

TEST(NetTest, WholeNetGradientMatchesFiniteDifferences) {
  // A small MLP with a fan-out, so splits and several layer types are exercised.
  const char* text = R"(
    layer { name: "data" type: "DummyData" top: "data" top: "label"
      dummy_data_param { shape { dim: 3 dim: 4 } shape { dim: 3 }
        data_filler { type: "gaussian" } data_filler { type: "constant" value: 1 } } }
    layer { name: "fc1" type: "InnerProduct" bottom: "data" top: "fc1"
      inner_product_param { num_output: 5 weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } } }
    layer { name: "act" type: "TanH" bottom: "fc1" top: "fc1" }
    layer { name: "fc2" type: "InnerProduct" bottom: "fc1" top: "fc2"
      inner_product_param { num_output: 3 weight_filler { type: "gaussian" } } }
    layer { name: "sig" type: "Sigmoid" bottom: "fc1" top: "sig" }
    layer { name: "fc3" type: "InnerProduct" bottom: "sig" top: "fc3"
      inner_product_param { num_output: 3 weight_filler { type: "gaussian" } } }
    layer { name: "loss1" type: "SoftmaxWithLoss" bottom: "fc2" bottom: "label" top: "loss1" }
    layer { name: "loss2" type: "EuclideanLoss" bottom: "fc2" bottom: "fc3" top: "loss2" loss_weight: 0.5 }
  )";
  Net net(WithPhase(text, TRAIN));
  // DummyData with a gaussian filler refills every pass; freeze it.
  const std::vector<float> data(net.blob_by_name("data")->data(),
                                net.blob_by_name("data")->data() + 12);
  auto forward = [&] {
    net.Forward();
    float* d = net.blob_by_name("data")->mutable_data();
    std::copy(data.begin(), data.end(), d);
    float loss = 0;
    for (size_t i = 1; i < net.layers().size(); ++i) {
      loss += net.layers()[i]->Forward(net.bottom_vecs()[i], net.top_vecs()[i]);
    }
    return static_cast<double>(loss);
  };
  forward();
  net.ClearParamDiffs();
  net.Backward();
  const double h = 1e-2;
  int checked = 0;
  for (Blob* param : net.learnable_params()) {
    std::vector<float> analytic(param->diff(), param->diff() + param->count());
    for (int i = 0; i < param->count(); ++i) {
      float* w = param->mutable_data();
      const float original = w[i];
      w[i] = original + h;
      const double plus = forward();
      w[i] = original - h;
      const double minus = forward();
      w[i] = original;
      const double numeric = (plus - minus) / (2 * h);
      EXPECT_NEAR(analytic[i], numeric, 2e-3 * std::max({1.0, std::fabs(numeric)}));
      ++checked;
    }
  }
  EXPECT_EQ(checked, (4 * 5 + 5) + (5 * 3 + 3) + (5 * 3 + 3));
}

TEST(NetTest, PhaseFilteringKeepsMatchingLayers) {
  const char* text = R"(
    layer { name: "train_in" type: "Input" top: "x" include { phase: TRAIN }
      input_param { shape { dim: 1 } } }
    layer { name: "test_in" type: "Input" top: "x" include { phase: TEST }
      input_param { shape { dim: 2 } } }
    layer { name: "not_test" type: "ReLU" bottom: "x" top: "y" exclude { phase: TEST } })";
  Net train(WithPhase(text, TRAIN));
  EXPECT_EQ(train.layer_names(), (std::vector<std::string>{"train_in", "not_test"}));
  Net test(WithPhase(text, TEST));
  EXPECT_EQ(test.layer_names(), (std::vector<std::string>{"test_in"}));
  EXPECT_EQ(test.blob_by_name("x")->count(), 2);
  EXPECT_EQ(test.phase(), TEST);
}

TEST(NetTest, StateRulesUseLevelAndStages) {
  NetState state;
  state.set_phase(TEST);
  state.set_level(2);
  state.add_stage("deploy");
  NetStateRule rule;
  EXPECT_TRUE(Net::StateMeetsRule(state, rule));
  rule.set_min_level(3);
  EXPECT_FALSE(Net::StateMeetsRule(state, rule));
  rule.set_min_level(1);
  rule.set_max_level(2);
  EXPECT_TRUE(Net::StateMeetsRule(state, rule));
  rule.add_stage("deploy");
  EXPECT_TRUE(Net::StateMeetsRule(state, rule));
  rule.add_not_stage("deploy");
  EXPECT_FALSE(Net::StateMeetsRule(state, rule));
}

TEST(NetTest, OptionsLevelAndStagesSelectLayersInBothConstructors) {
  NetParameter param = testing::ParseNet(R"(
    layer { name: "all" type: "Input" top: "x" input_param { shape { dim: 2 } } }
    layer { name: "deploy" type: "Input" top: "y" input_param { shape { dim: 1 } }
      include { stage: "deploy" } }
    layer { name: "deep" type: "Input" top: "z" input_param { shape { dim: 1 } }
      include { min_level: 2 } })");
  param.mutable_state()->set_phase(TEST);
  NetOptions options;
  EXPECT_EQ(Net(param, options).layer_names(), (std::vector<std::string>{"all"}));
  options.stages = {"deploy"};
  options.level = 2;
  EXPECT_EQ(Net(param, options).layer_names(), (std::vector<std::string>{"all", "deploy", "deep"}));
  const std::string dir = testing::MakeTempDir("net_options");
  WriteProtoToTextFile(param, dir + "/net.prototxt");
  EXPECT_EQ(Net(dir + "/net.prototxt", TEST, options).layer_names(),
            (std::vector<std::string>{"all", "deploy", "deep"}));
  std::filesystem::remove_all(dir);
}

TEST(NetTest, LossWeightScalesLossAndGradients) {
  Net one(WithPhase(Regression(), TRAIN), 5);
  Net two(WithPhase(Regression("loss_weight: 2"), TRAIN), 5);
  const float loss_one = one.ForwardBackward();
  const float loss_two = two.ForwardBackward();
  EXPECT_FLOAT_EQ(loss_two, 2 * loss_one);
  for (int i = 0; i < one.learnable_params()[0]->count(); ++i) {
    EXPECT_FLOAT_EQ(two.learnable_params()[0]->diff()[i], 2 * one.learnable_params()[0]->diff()[i]);
  }
}

TEST(NetTest, AnyTopCanCarryALossWeight) {
  // The loss is 0.5 * sum(fc) plus the Euclidean loss; fc's gradient gains 0.5 everywhere.
  const char* text = R"(
    layer { name: "data" type: "DummyData" top: "x" top: "t"
      dummy_data_param { shape { dim: 2 dim: 3 } shape { dim: 2 dim: 2 }
        data_filler { type: "constant" value: 1 } } }
    layer { name: "fc" type: "InnerProduct" bottom: "x" top: "fc" loss_weight: 0.5
      inner_product_param { num_output: 2 bias_term: false weight_filler { type: "constant" value: 0.25 } } }
    layer { name: "loss" type: "EuclideanLoss" bottom: "fc" bottom: "t" top: "loss" })";
  Net net(WithPhase(text, TRAIN));
  const float loss = net.ForwardBackward();
  // fc = 0.75 everywhere; Euclidean: 4 * (0.75 - 1)^2 / 2 / 2 = 0.0625; weighted sum: 0.5 * 3.
  EXPECT_NEAR(loss, 1.5 + 0.0625, 1e-6);
  // dL/dW = sum over the batch of x * (0.5 + (fc - t) / N) = 2 * (0.5 - 0.125) = 0.75.
  EXPECT_NEAR(net.learnable_params()[0]->diff()[0], 0.75, 1e-6);
}

TEST(NetTest, PermissiveSharingNeedsOnlyEqualCounts) {
  const char* text = R"(
    layer { name: "in" type: "Input" top: "a" input_param { shape { dim: 1 dim: 6 } } }
    layer { name: "fa" type: "InnerProduct" bottom: "a" top: "fa" param { name: "w" }
      inner_product_param { num_output: 2 bias_term: false } }
    layer { name: "fb" type: "InnerProduct" bottom: "a" top: "fb"
      param { name: "w" share_mode: PERMISSIVE }
      inner_product_param { num_output: 6 transpose: true bias_term: false axis: 0 } })";
  // fb's weight would be 6 x 6 here, which does not fit; share one with the same count instead.
  const char* fits = R"(
    layer { name: "in" type: "Input" top: "a" input_param { shape { dim: 1 dim: 6 } } }
    layer { name: "fa" type: "InnerProduct" bottom: "a" top: "fa" param { name: "w" }
      inner_product_param { num_output: 2 bias_term: false } }
    layer { name: "fb" type: "InnerProduct" bottom: "a" top: "fb"
      param { name: "w" share_mode: PERMISSIVE }
      inner_product_param { num_output: 2 transpose: true bias_term: false } })";
  EXPECT_THROW(Net(WithPhase(text, TEST)), ShapeError);
  Net net(WithPhase(fits, TEST));
  EXPECT_EQ(net.learnable_params().size(), 1u);
  EXPECT_TRUE(
      net.layer_by_name("fb")->blobs()[0]->SharesDataWith(*net.layer_by_name("fa")->blobs()[0]));
  EXPECT_EQ(net.layer_by_name("fb")->blobs()[0]->shape(), (std::vector<int>{6, 2}));
}

TEST(NetTest, ParamSpecsGiveLrAndDecayMultipliers) {
  std::string text = Regression();
  text.replace(text.find("inner_product_param"), 0,
               "param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 2 decay_mult: 0 } ");
  Net net(WithPhase(text, TRAIN));
  EXPECT_EQ(net.params_lr(), (std::vector<float>{1, 2}));
  EXPECT_EQ(net.params_weight_decay(), (std::vector<float>{1, 0}));
}

TEST(NetTest, LayersBelowNothingLearnableSkipBackward) {
  const char* text = R"(
    layer { name: "data" type: "DummyData" top: "data" top: "target"
      dummy_data_param { shape { dim: 2 dim: 3 } shape { dim: 2 dim: 2 } data_filler { type: "gaussian" } } }
    layer { name: "frozen" type: "InnerProduct" bottom: "data" top: "h"
      param { lr_mult: 0 } param { lr_mult: 0 }
      inner_product_param { num_output: 4 weight_filler { type: "gaussian" } } }
    layer { name: "act" type: "ReLU" bottom: "h" top: "h" }
    layer { name: "fc" type: "InnerProduct" bottom: "h" top: "out"
      inner_product_param { num_output: 2 weight_filler { type: "gaussian" } } }
    layer { name: "loss" type: "EuclideanLoss" bottom: "out" bottom: "target" top: "loss" })";
  Net net(WithPhase(text, TRAIN));
  EXPECT_EQ(net.layer_need_backward(), (std::vector<bool>{false, false, false, true, true}));
  // fc needs no gradient for its input, since nothing below it learns.
  EXPECT_EQ(net.bottom_need_backward()[3], (std::vector<bool>{false}));
  // The loss propagates to fc's output only.
  EXPECT_EQ(net.bottom_need_backward()[4], (std::vector<bool>{true, false}));
  net.ForwardBackward();
  EXPECT_EQ(net.layer_by_name("frozen")->blobs()[0]->asum_diff(), 0);
}

TEST(NetTest, ForceBackwardAndPropagateDown) {
  std::string text = Regression();
  Net plain(WithPhase(text, TRAIN));
  EXPECT_EQ(plain.bottom_need_backward()[1], (std::vector<bool>{false}));
  NetParameter forced = WithPhase(text, TRAIN);
  forced.set_force_backward(true);
  Net net(forced);
  EXPECT_EQ(net.bottom_need_backward()[1], (std::vector<bool>{true}));
  EXPECT_EQ(net.bottom_need_backward()[2], (std::vector<bool>{true, true}));
  text.replace(text.find("top: \"loss\""), 0, "propagate_down: true propagate_down: false ");
  Net partial(WithPhase(text, TRAIN));
  EXPECT_EQ(partial.bottom_need_backward()[2], (std::vector<bool>{true, false}));
}

TEST(NetTest, InPlaceRunsForLayersThatAllowIt) {
  const char* text = R"(
    layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 3 } } }
    layer { name: "relu" type: "ReLU" bottom: "x" top: "x" })";
  Net net(WithPhase(text, TEST));
  EXPECT_EQ(net.blob_names(), (std::vector<std::string>{"x"}));
  float* x = net.input_blobs()[0]->mutable_data();
  x[0] = -1;
  x[1] = 2;
  net.Forward();
  EXPECT_EQ(net.blob_by_name("x")->data()[0], 0);
  EXPECT_EQ(net.blob_by_name("x")->data()[1], 2);
}

TEST(NetTest, InPlaceRejectedForLayersThatForbidIt) {
  const std::string path = NetFile("inplace.prototxt", R"(name: "n"
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "prob" type: "Softmax" bottom: "x" top: "x" }
)");
  const std::string message = ErrorOf([&] { Net net(path, TEST); });
  EXPECT_NE(message.find(path + ":3:1: layer 'prob' (Softmax): cannot run in place"),
            std::string::npos)
      << message;
}

TEST(NetTest, UnknownLayerTypeNamesFileLineAndKnownTypes) {
  const std::string path = NetFile("unknown.prototxt", R"(name: "n"
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 } } }

  layer { name: "act" type: "Relu" bottom: "x" top: "y" }
)");
  const std::string message = ErrorOf([&] { Net net(path, TEST); });
  EXPECT_NE(message.find(path + ":4:3: layer 'act' (Relu): unknown layer type 'Relu'"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("ReLU"), std::string::npos) << message;
}

TEST(NetTest, MissingBottomNamesLayerAndBlob) {
  const std::string path = NetFile("bottom.prototxt", R"(name: "n"
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 } } }
layer { name: "act" type: "ReLU" bottom: "z" top: "y" }
)");
  const std::string message = ErrorOf([&] { Net net(path, TEST); });
  EXPECT_NE(message.find(":3:1: layer 'act' (ReLU): bottom 'z' is not produced"), std::string::npos)
      << message;
}

TEST(NetTest, ShapeMismatchNamesLayerAndBothShapes) {
  const std::string path = NetFile("shape.prototxt", R"(name: "n"
layer { name: "in" type: "Input" top: "a" top: "b"
  input_param { shape { dim: 2 dim: 3 } shape { dim: 2 dim: 4 } } }
layer { name: "loss" type: "EuclideanLoss" bottom: "a" bottom: "b" top: "l" }
)");
  try {
    Net net(path, TEST);
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(":4:1: layer 'loss' (EuclideanLoss):"), std::string::npos) << message;
    EXPECT_NE(message.find("(2,3)"), std::string::npos) << message;
    EXPECT_NE(message.find("(2,4)"), std::string::npos) << message;
  }
}

TEST(NetTest, DuplicateTopsAndLayerNamesAreRejected) {
  const char* duplicate_top = R"(
    layer { name: "in" type: "Input" top: "x" top: "y" input_param { shape { dim: 2 } } }
    layer { name: "a" type: "ReLU" bottom: "x" top: "y" })";
  EXPECT_THROW(Net(WithPhase(duplicate_top, TEST)), ConfigError);
  const char* duplicate_name = R"(
    layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 } } }
    layer { name: "in" type: "ReLU" bottom: "x" top: "y" })";
  EXPECT_THROW(Net(WithPhase(duplicate_name, TEST)), ConfigError);
}

TEST(NetTest, ParamTheLayerDoesNotReadIsRejected) {
  const char* text = R"(
    layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 } } }
    layer { name: "a" type: "ReLU" bottom: "x" top: "y" inner_product_param { num_output: 3 } })";
  const std::string message = ErrorOf([&] { Net net(WithPhase(text, TEST)); });
  EXPECT_NE(message.find("layer 'a' (ReLU): does not read inner_product_param"), std::string::npos)
      << message;
}

TEST(NetTest, LegacyInputFieldsBecomeInputLayer) {
  const char* text = R"(
    input: "data" input_dim: 1 input_dim: 2 input_dim: 3 input_dim: 4
    layer { name: "act" type: "ReLU" bottom: "data" top: "out" })";
  Net net(WithPhase(text, TEST));
  ASSERT_EQ(net.input_blobs().size(), 1u);
  EXPECT_EQ(net.input_blobs()[0]->shape(), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(net.layers()[0]->type(), std::string("Input"));
}

TEST(NetTest, SharedParamsShareMemoryAndSumGradients) {
  const char* text = R"(
    layer { name: "data" type: "DummyData" top: "a" top: "b" top: "t"
      dummy_data_param { shape { dim: 2 dim: 3 } shape { dim: 2 dim: 3 } shape { dim: 2 dim: 2 }
        data_filler { type: "gaussian" } } }
    layer { name: "fa" type: "InnerProduct" bottom: "a" top: "fa" param { name: "w" } param { name: "bias" }
      inner_product_param { num_output: 2 weight_filler { type: "gaussian" } } }
    layer { name: "fb" type: "InnerProduct" bottom: "b" top: "fb" param { name: "w" } param { name: "bias" }
      inner_product_param { num_output: 2 weight_filler { type: "gaussian" } } }
    layer { name: "la" type: "EuclideanLoss" bottom: "fa" bottom: "t" top: "la" }
    layer { name: "lb" type: "EuclideanLoss" bottom: "fb" bottom: "t" top: "lb" })";
  Net net(WithPhase(text, TRAIN));
  EXPECT_EQ(net.learnable_params().size(), 2u);
  Layer* fa = net.layer_by_name("fa");
  Layer* fb = net.layer_by_name("fb");
  EXPECT_TRUE(fb->blobs()[0]->SharesDataWith(*fa->blobs()[0]));
  net.ClearParamDiffs();
  net.ForwardBackward();
  // The shared diff is the sum of both layers' contributions; recompute each alone.
  std::vector<float> total(fa->blobs()[0]->diff(), fa->blobs()[0]->diff() + 6);
  auto index = [&](const std::string& name) {
    return std::find(net.layer_names().begin(), net.layer_names().end(), name) -
           net.layer_names().begin();
  };
  const auto ia = index("fa"), ib = index("fb");
  fa->blobs()[0]->SetDiffToZero();
  fa->Backward(net.top_vecs()[ia], {false}, net.bottom_vecs()[ia]);
  std::vector<float> from_a(fa->blobs()[0]->diff(), fa->blobs()[0]->diff() + 6);
  fa->blobs()[0]->SetDiffToZero();
  fb->Backward(net.top_vecs()[ib], {false}, net.bottom_vecs()[ib]);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(total[i], from_a[i] + fb->blobs()[0]->diff()[i], 1e-5);
}

TEST(NetTest, SharedParamShapeMismatchIsRejected) {
  const char* text = R"(
    layer { name: "in" type: "Input" top: "a" input_param { shape { dim: 2 dim: 3 } } }
    layer { name: "fa" type: "InnerProduct" bottom: "a" top: "fa" param { name: "w" }
      inner_product_param { num_output: 2 } }
    layer { name: "fb" type: "InnerProduct" bottom: "a" top: "fb" param { name: "w" }
      inner_product_param { num_output: 3 } })";
  const std::string message = ErrorOf([&] { Net net(WithPhase(text, TEST)); });
  EXPECT_NE(message.find("layer 'fb' (InnerProduct): shares parameter 'w'"), std::string::npos)
      << message;
}

TEST(NetTest, WeightsRoundTripThroughProto) {
  Net a(WithPhase(Regression(), TRAIN), 1);
  Net b(WithPhase(Regression(), TRAIN), 2);
  EXPECT_NE(a.learnable_params()[0]->data()[0], b.learnable_params()[0]->data()[0]);
  NetParameter weights;
  a.ToProto(&weights);
  b.CopyTrainedLayersFrom(weights);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(a.learnable_params()[0]->data()[i], b.learnable_params()[0]->data()[i]);
  }
}

TEST(NetTest, CopyTrainedLayersRejectsShapeMismatchNamingLayerIndexAndShapes) {
  Net a(WithPhase(Regression(), TRAIN));
  std::string other = Regression();
  other.replace(other.find("num_output: 2"), 13, "num_output: 5");
  other.replace(other.find("dim: 4 dim: 2"), 13, "dim: 4 dim: 5");
  Net b(WithPhase(other, TRAIN));
  NetParameter weights;
  b.ToProto(&weights);
  try {
    a.CopyTrainedLayersFrom(weights);
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'fc' blob 0: the weights have shape (5,3) but the "
                                         "net expects (2,3)"),
              std::string::npos)
        << e.what();
  }
}

TEST(NetTest, SharedTrainedLayersSeeUpdates) {
  Net train(WithPhase(Regression(), TRAIN));
  Net test(WithPhase(Regression(), TEST));
  test.ShareTrainedLayersWith(train);
  train.learnable_params()[0]->mutable_data()[0] = 42;
  EXPECT_EQ(test.learnable_params()[0]->data()[0], 42);
}

TEST(NetTest, BlobAndLayerLookupErrors) {
  Net net(WithPhase(Regression(), TRAIN));
  EXPECT_THROW(net.blob_by_name("nope"), ConfigError);
  EXPECT_THROW(net.layer_by_name("nope"), ConfigError);
  EXPECT_TRUE(net.has_blob("fc"));
}

}  // namespace
}  // namespace strata
