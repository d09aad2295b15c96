#include "strata/data_transformer.hpp"

#include <gtest/gtest.h>

#include <set>

#include "strata/errors.hpp"
#include "strata/io.hpp"
#include "strata/random.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

TransformationParameter Param(const std::string& text) {
  TransformationParameter param;
  ParseProtoFromText(text, "transform_param", &param);
  return param;
}

// One channel, 3 x 4: values 0..11.
const std::vector<uint8_t> kImage = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

std::vector<float> Apply(const std::string& text, Phase phase, uint64_t seed = 1) {
  DataTransformer transformer(Param(text), phase);
  const auto shape = transformer.OutputShape(1, 3, 4);
  std::vector<float> out(static_cast<size_t>(shape[0]) * shape[1] * shape[2]);
  Rng rng(seed);
  transformer.Transform(kImage.data(), 1, 3, 4, &rng, out.data());
  return out;
}

TEST(DataTransformerTest, ScaleAndMeanValue) {
  const auto out = Apply("scale: 0.5 mean_value: 2", TEST);
  EXPECT_EQ(out[0], -1.f);
  EXPECT_EQ(out[11], 4.5f);
}

TEST(DataTransformerTest, CenterCropInTest) {
  // 3x4 with crop 2: offsets (0, 1) -> values 1, 2, 5, 6.
  EXPECT_EQ(Apply("crop_size: 2", TEST), (std::vector<float>{1, 2, 5, 6}));
}

TEST(DataTransformerTest, RandomCropInTrainStaysInside) {
  std::set<std::vector<float>> seen;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    const auto out = Apply("crop_size: 2", TRAIN, seed);
    // A 2x2 window of a row-major 3x4 image: right neighbour +1, lower neighbour +4.
    EXPECT_EQ(out[1], out[0] + 1);
    EXPECT_EQ(out[2], out[0] + 4);
    seen.insert(out);
  }
  EXPECT_EQ(seen.size(), 6u);  // every one of the 2 x 3 offsets occurs
}

TEST(DataTransformerTest, MirrorFlipsRowsForSomeDraws) {
  int flipped = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    const auto out = Apply("mirror: true", TEST, seed);
    if (out[0] == 3) {
      EXPECT_EQ(out, (std::vector<float>{3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8}));
      ++flipped;
    } else {
      EXPECT_EQ(out[0], 0);
    }
  }
  EXPECT_GT(flipped, 5);
  EXPECT_LT(flipped, 35);
}

TEST(DataTransformerTest, MeanFile) {
  const std::string dir = testing::MakeTempDir("mean");
  BlobProto mean;
  for (int d : {1, 1, 3, 4}) mean.mutable_shape()->add_dim(d);
  for (int i = 0; i < 12; ++i) mean.add_data(static_cast<float>(i));
  WriteProtoToBinaryFile(mean, dir + "/mean.binaryproto");
  const auto out = Apply("mean_file: '" + dir + "/mean.binaryproto' scale: 2", TEST);
  for (float v : out) EXPECT_EQ(v, 0.f);
}

// The mean image is subtracted where the pixel was read (inside the crop),
// before the mirror moves it: mean 0.5 * (pixel index), center crop 2x2 at
// (0, 1) = pixels 1, 2, 5, 6, less half of each, mirrored when drawn.
TEST(DataTransformerTest, MeanFileWithCropAndMirror) {
  const std::string dir = testing::MakeTempDir("mean_crop");
  BlobProto mean;
  for (int d : {1, 1, 3, 4}) mean.mutable_shape()->add_dim(d);
  for (int i = 0; i < 12; ++i) mean.add_data(0.5f * static_cast<float>(i));
  WriteProtoToBinaryFile(mean, dir + "/mean.binaryproto");
  int flipped = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const auto out =
        Apply("mean_file: '" + dir + "/mean.binaryproto' crop_size: 2 mirror: true", TEST, seed);
    if (out[0] == 1.f) {
      EXPECT_EQ(out, (std::vector<float>{1.f, 0.5f, 3.f, 2.5f}));
      ++flipped;
    } else {
      EXPECT_EQ(out, (std::vector<float>{0.5f, 1.f, 2.5f, 3.f}));
    }
  }
  EXPECT_GT(flipped, 2);
  EXPECT_LT(flipped, 18);
}

TEST(DataTransformerTest, RejectsBadParameters) {
  EXPECT_THROW(Apply("crop_size: 5", TEST), ShapeError);
  EXPECT_THROW(Apply("mean_value: 1 mean_value: 2", TEST), ConfigError);
  EXPECT_THROW(DataTransformer(Param("mean_file: 'x' mean_value: 1"), TEST), ConfigError);
  EXPECT_THROW(DataTransformer(Param("mean_file: '/nonexistent/mean'"), TEST), IoError);
}

}  // namespace
}  // namespace strata
