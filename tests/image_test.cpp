// Decoding as Caffe decodes (OpenCV's imdecode with Caffe's flags), into C x H x W.
#include "strata/image.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "strata/errors.hpp"
#include "support/test_util.hpp"
#include "support/tool_runner.hpp"

namespace strata {
namespace {

const std::string kPhotos = testing::kCaffeFixtures + "/images/images";

TEST(ImageTest, DecodesNativeColourAndGrey) {
  if (!std::filesystem::exists(kPhotos))
    GTEST_FAIL() << kPhotos << " is missing: the repository holds it";
  const std::string colour = testing::Slurp(kPhotos + "/astronaut.jpg");
  const std::string grey = testing::Slurp(kPhotos + "/camera.png");
  const Image native_colour = DecodeImage(colour, ImageColor::kNative, "astronaut.jpg");
  const Image native_grey = DecodeImage(grey, ImageColor::kNative, "camera.png");
  EXPECT_EQ(native_colour.channels, 3);
  EXPECT_EQ(native_grey.channels, 1);
  const Image as_grey = DecodeImage(colour, ImageColor::kGray, "astronaut.jpg");
  const Image as_colour = DecodeImage(grey, ImageColor::kColor, "camera.png");
  EXPECT_EQ(as_grey.channels, 1);
  EXPECT_EQ(as_colour.channels, 3);
  ASSERT_EQ(as_colour.height, native_grey.height);
  ASSERT_EQ(as_colour.width, native_grey.width);
  // A grey image as colour: three equal planes, each the grey one.
  const size_t plane = static_cast<size_t>(as_colour.height) * as_colour.width;
  for (size_t i = 0; i < plane; i += 97) {
    for (int c = 0; c < 3; ++c) ASSERT_EQ(as_colour.pixels[c * plane + i], native_grey.pixels[i]);
  }
  EXPECT_EQ(native_colour.pixels.size(),
            3 * static_cast<size_t>(native_colour.height) * native_colour.width);
}

TEST(ImageTest, EmptyAndDamagedBytesAreNamed) {
  for (const std::string& bytes :
       {std::string(), std::string("\xff\xd8\xff\xe0 not really a JPEG", 23),
        std::string("plain text")}) {
    try {
      DecodeImage(bytes, ImageColor::kNative, "record 'k'");
      FAIL() << "decoded " << bytes.size() << " bytes";
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find("record 'k': "), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace strata
