#include "strata/image.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "strata/errors.hpp"
#include "strata/io.hpp"

namespace strata {

namespace {

int DecodeFlags(ImageColor color) {
  switch (color) {
    case ImageColor::kColor:
      return cv::IMREAD_COLOR;
    case ImageColor::kGray:
      return cv::IMREAD_GRAYSCALE;
    case ImageColor::kNative:
      break;
  }
  return cv::IMREAD_ANYCOLOR;
}

}  // namespace

Image DecodeImage(const std::string& bytes, ImageColor color, const std::string& name,
                  int height, int width) {
  if (bytes.empty()) throw DataError(name + ": the image is empty (0 bytes)");
  const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                       const_cast<char*>(bytes.data()));
  cv::Mat decoded;
  try {
    decoded = cv::imdecode(buffer, DecodeFlags(color));
  } catch (const cv::Exception& e) {
    throw DataError(name + ": cannot decode the image: " + e.what());
  }
  if (decoded.empty() || decoded.depth() != CV_8U) {
    throw DataError(name + ": cannot decode the image (" + std::to_string(bytes.size()) +
                    " bytes: damaged, or not a format OpenCV reads)");
  }
  if (height > 0 && width > 0 && (decoded.rows != height || decoded.cols != width)) {
    cv::Mat resized;
    cv::resize(decoded, resized, cv::Size(width, height));  // bilinear, Caffe's call
    decoded = resized;
  }
  Image image;
  image.channels = decoded.channels();
  image.height = decoded.rows;
  image.width = decoded.cols;
  image.pixels.resize(static_cast<size_t>(image.channels) * image.height * image.width);
  // OpenCV interleaves the channels (H x W x C); Caffe's examples are C x H x W.
  const size_t plane = static_cast<size_t>(image.height) * image.width;
  for (int h = 0; h < image.height; ++h) {
    const uint8_t* row = decoded.ptr<uint8_t>(h);
    for (int w = 0; w < image.width; ++w) {
      for (int c = 0; c < image.channels; ++c) {
        image.pixels[c * plane + static_cast<size_t>(h) * image.width + w] =
            row[w * image.channels + c];
      }
    }
  }
  return image;
}

std::string EncodeImage(const Image& image, const std::string& extension,
                        const std::string& name) {
  cv::Mat mat(image.height, image.width, CV_8UC(image.channels));
  const size_t plane = static_cast<size_t>(image.height) * image.width;
  for (int h = 0; h < image.height; ++h) {
    uint8_t* row = mat.ptr<uint8_t>(h);
    for (int w = 0; w < image.width; ++w) {
      for (int c = 0; c < image.channels; ++c) {
        row[w * image.channels + c] = image.pixels[c * plane + static_cast<size_t>(h) * image.width + w];
      }
    }
  }
  std::vector<uint8_t> bytes;
  bool written = false;
  try {
    written = cv::imencode("." + extension, mat, bytes);
  } catch (const cv::Exception& e) {
    throw DataError(name + ": cannot encode as " + extension + ": " + e.what());
  }
  if (!written) throw DataError(name + ": cannot encode as " + extension);
  return std::string(bytes.begin(), bytes.end());
}

Image ReadImageFile(const std::string& path, ImageColor color, int height, int width) {
  return DecodeImage(ReadFileToString(path), color, path, height, width);
}

}  // namespace strata
