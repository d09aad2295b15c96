// The libjpeg-turbo path must give cv::imdecode's pixels exactly, or decline.
#include "strata/jpeg.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "strata/io.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

const std::string kPhotos = testing::kCaffeFixtures + "/images/images";

std::string Encode(const cv::Mat& image, const std::vector<int>& params) {
  std::vector<uchar> bytes;
  EXPECT_TRUE(cv::imencode(".jpg", image, bytes, params));
  return std::string(bytes.begin(), bytes.end());
}

// A photo-like test image: smooth gradients, edges and noise, in colour.
cv::Mat Synthetic(int height, int width) {
  cv::Mat image(height, width, CV_8UC3);
  cv::randu(image, 0, 256);
  cv::GaussianBlur(image, image, cv::Size(5, 5), 2.0);
  cv::rectangle(image, cv::Point(width / 4, height / 4), cv::Point(width / 2, height / 2),
                cv::Scalar(20, 200, 90), -1);
  cv::circle(image, cv::Point(width * 2 / 3, height / 2), height / 5, cv::Scalar(250, 30, 10), 3);
  return image;
}

// Every JPEG variant OpenCV writes, and Caffe's photos.
std::vector<std::pair<std::string, std::string>> Jpegs() {
  std::vector<std::pair<std::string, std::string>> jpegs;
  const cv::Mat color = Synthetic(75, 101);  // odd sizes: partial MCUs
  cv::Mat gray;
  cv::cvtColor(color, gray, cv::COLOR_BGR2GRAY);
  jpegs.emplace_back("quality 95", Encode(color, {cv::IMWRITE_JPEG_QUALITY, 95}));
  jpegs.emplace_back("quality 30", Encode(color, {cv::IMWRITE_JPEG_QUALITY, 30}));
  jpegs.emplace_back("progressive", Encode(color, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
  jpegs.emplace_back("optimized", Encode(color, {cv::IMWRITE_JPEG_OPTIMIZE, 1}));
  jpegs.emplace_back("restart intervals", Encode(color, {cv::IMWRITE_JPEG_RST_INTERVAL, 3}));
  jpegs.emplace_back("chroma quality", Encode(color, {cv::IMWRITE_JPEG_LUMA_QUALITY, 90,
                                                      cv::IMWRITE_JPEG_CHROMA_QUALITY, 40}));
  jpegs.emplace_back("grey", Encode(gray, {}));
  if (std::filesystem::exists(kPhotos)) {
    for (const char* name : {"astronaut.jpg", "coffee.jpg", "hubble.jpg", "rocket.jpg"}) {
      jpegs.emplace_back(name, ReadFileToString(kPhotos + std::string("/") + name));
    }
  }
  return jpegs;
}

TEST(JpegTest, DecodesAsOpenCvDoesPixelForPixel) {
  for (const auto& [name, bytes] : Jpegs()) {
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                         const_cast<char*>(bytes.data()));
    for (int flags : {cv::IMREAD_COLOR, cv::IMREAD_GRAYSCALE, cv::IMREAD_ANYCOLOR}) {
      const cv::Mat expected = cv::imdecode(buffer, flags);
      cv::Mat ours;
      ASSERT_TRUE(DecodeJpegLikeOpenCv(bytes, flags, &ours)) << name << " flags " << flags;
      ASSERT_EQ(ours.type(), expected.type()) << name << " flags " << flags;
      ASSERT_EQ(ours.size(), expected.size()) << name << " flags " << flags;
      EXPECT_EQ(cv::norm(ours, expected, cv::NORM_INF), 0) << name << " flags " << flags;
    }
  }
}

TEST(JpegTest, DeclinesWhatItCannotDecodeAsOpenCv) {
  cv::Mat out;
  const std::string jpeg = Encode(Synthetic(16, 16), {});
  EXPECT_FALSE(DecodeJpegLikeOpenCv("", cv::IMREAD_COLOR, &out));
  EXPECT_FALSE(DecodeJpegLikeOpenCv("\x89PNG\r\n\x1a\n", cv::IMREAD_COLOR, &out));
  EXPECT_FALSE(DecodeJpegLikeOpenCv(jpeg.substr(0, 40), cv::IMREAD_COLOR, &out)) << "no frame";
  EXPECT_FALSE(DecodeJpegLikeOpenCv(jpeg, cv::IMREAD_UNCHANGED, &out)) << "other flags";
  // An EXIF segment after SOI: OpenCV might rotate by its orientation.
  std::string exif = "\xff\xe1";
  const std::string body = std::string("Exif\0\0", 6) + "II*\0\x08\0\0\0\0\0";
  exif += static_cast<char>((body.size() + 2) >> 8);
  exif += static_cast<char>((body.size() + 2) & 0xff);
  exif += body;
  const std::string with_exif = jpeg.substr(0, 2) + exif + jpeg.substr(2);
  EXPECT_FALSE(DecodeJpegLikeOpenCv(with_exif, cv::IMREAD_COLOR, &out));
  EXPECT_FALSE(DecodeJpegLikeOpenCv(jpeg.substr(0, jpeg.size() * 2 / 3), cv::IMREAD_COLOR, &out))
      << "truncated: libjpeg warns, and OpenCV fills the rest its own way";
  std::string corrupt = jpeg;
  corrupt[3] = '\x01';  // a marker length that runs into the next segment
  corrupt[4] = '\x01';
  corrupt[5] = '\x01';
  EXPECT_FALSE(DecodeJpegLikeOpenCv(corrupt, cv::IMREAD_COLOR, &out));
}

}  // namespace
}  // namespace strata
