#include "strata/layers/accuracy_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::MakeLayer;

// Three examples, four classes.
std::unique_ptr<Blob> Scores() {
  return BlobOf({3, 4}, {0.1f, 0.5f, 0.3f, 0.1f,    // best 1, second 2
                         0.7f, 0.1f, 0.1f, 0.1f,    // best 0
                         0.2f, 0.2f, 0.4f, 0.3f});  // best 2, second 3
}

float Accuracy(const std::string& text, const std::vector<float>& labels,
               Blob* per_class = nullptr) {
  auto layer = MakeLayer(text);
  auto scores = Scores();
  auto label = BlobOf({3}, labels);
  Blob accuracy;
  std::vector<Blob*> top{&accuracy};
  if (per_class) top.push_back(per_class);
  layer->SetUp({scores.get(), label.get()}, top);
  layer->Forward({scores.get(), label.get()}, top);
  return accuracy.data()[0];
}

TEST(AccuracyLayerTest, ForwardMatchesHandComputed) {
  EXPECT_FLOAT_EQ(Accuracy(R"(name: "a" type: "Accuracy")", {1, 0, 3}), 2.f / 3);
  EXPECT_FLOAT_EQ(Accuracy(R"(name: "a" type: "Accuracy")", {2, 1, 0}), 0.f);
}

TEST(AccuracyLayerTest, TopK) {
  EXPECT_FLOAT_EQ(Accuracy(R"(name: "a" type: "Accuracy" accuracy_param { top_k: 2 })", {2, 0, 3}),
                  1.f);
}

TEST(AccuracyLayerTest, TiesCountAgainstTheTrueClassAsInCaffe) {
  // Classes 0 and 1 tie for the best score: neither label counts as top-1.
  for (float label_value : {0.f, 1.f}) {
    auto layer = MakeLayer(R"(name: "a" type: "Accuracy")");
    auto scores = BlobOf({1, 3}, {0.5f, 0.5f, 0.1f});
    auto label = BlobOf({1}, {label_value});
    Blob accuracy;
    layer->SetUp({scores.get(), label.get()}, {&accuracy});
    layer->Forward({scores.get(), label.get()}, {&accuracy});
    EXPECT_FLOAT_EQ(accuracy.data()[0], 0.f) << "label " << label_value;
  }
}

TEST(AccuracyLayerTest, IgnoreLabel) {
  EXPECT_FLOAT_EQ(
      Accuracy(R"(name: "a" type: "Accuracy" accuracy_param { ignore_label: 3 })", {1, 1, 3}),
      0.5f);
}

TEST(AccuracyLayerTest, PerClassTop) {
  Blob per_class;
  Accuracy(R"(name: "a" type: "Accuracy")", {1, 0, 0}, &per_class);
  ASSERT_EQ(per_class.shape(), (std::vector<int>{4}));
  EXPECT_FLOAT_EQ(per_class.data()[0], 0.5f);
  EXPECT_FLOAT_EQ(per_class.data()[1], 1.f);
  EXPECT_FLOAT_EQ(per_class.data()[2], 0.f);
}

TEST(AccuracyLayerTest, RejectsLabelOutOfRange) {
  EXPECT_THROW(Accuracy(R"(name: "a" type: "Accuracy")", {1, 0, 4}), DataError);
}

TEST(AccuracyLayerTest, RejectsTopKAboveClassCount) {
  EXPECT_THROW(Accuracy(R"(name: "a" type: "Accuracy" accuracy_param { top_k: 5 })", {1, 0, 0}),
               ConfigError);
}

TEST(AccuracyLayerTest, RejectsLabelCountMismatch) {
  auto layer = MakeLayer(R"(name: "a" type: "Accuracy")");
  auto scores = Scores();
  auto label = BlobOf({2}, {0, 1});
  Blob accuracy;
  EXPECT_THROW(layer->SetUp({scores.get(), label.get()}, {&accuracy}), ShapeError);
}

}  // namespace
}  // namespace strata
