#include "strata/image.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "strata/errors.hpp"
#include "strata/io.hpp"
#include "strata/jpeg.hpp"

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

// OpenCV interleaves the channels (H x W x C); Caffe's examples are C x H x W.
// cv::split and cv::merge convert between them straight into and out of the
// planes of `pixels` (vectorized; a loop over bytes took a quarter of the
// Data layer's time on JPEG records).
std::vector<cv::Mat> Planes(Image* image) {
  std::vector<cv::Mat> planes;
  const size_t plane = static_cast<size_t>(image->height) * image->width;
  for (int c = 0; c < image->channels; ++c) {
    planes.emplace_back(image->height, image->width, CV_8UC1, image->pixels.data() + c * plane);
  }
  return planes;
}

Image FromMat(const cv::Mat& mat) {
  Image image;
  image.channels = mat.channels();
  image.height = mat.rows;
  image.width = mat.cols;
  image.pixels.resize(static_cast<size_t>(image.channels) * image.height * image.width);
  std::vector<cv::Mat> planes = Planes(&image);
  cv::split(mat, planes);
  return image;
}

cv::Mat ToMat(const Image& image) {
  Image& source = const_cast<Image&>(image);  // merge only reads the planes
  cv::Mat mat;
  cv::merge(Planes(&source), mat);
  return mat;
}

cv::Mat Decode(const std::string& bytes, int flags, const std::string& name) {
  if (bytes.empty()) throw DataError(name + ": the image is empty (0 bytes)");
  const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
  cv::Mat decoded;
  if (DecodeJpegLikeOpenCv(bytes, flags, &decoded)) return decoded;
  try {
    decoded = cv::imdecode(buffer, flags);
  } catch (const cv::Exception& e) {
    throw DataError(name + ": cannot decode the image: " + e.what());
  }
  if (decoded.empty()) {
    throw DataError(name + ": cannot decode the image (" + std::to_string(bytes.size()) +
                    " bytes: damaged, or not a format OpenCV reads)");
  }
  if (decoded.depth() != CV_8U) {
    throw DataError(name + ": the image has " + std::to_string(8 * decoded.elemSize1()) +
                    "-bit samples; only 8-bit images are read");
  }
  return decoded;
}

}  // namespace

Image DecodeImage(const std::string& bytes, ImageColor color, const std::string& name, int height,
                  int width) {
  cv::Mat decoded = Decode(bytes, DecodeFlags(color), name);
  if (height > 0 && width > 0 && (decoded.rows != height || decoded.cols != width)) {
    cv::Mat resized;
    cv::resize(decoded, resized, cv::Size(width, height));  // bilinear, Caffe's call
    decoded = resized;
  }
  return FromMat(decoded);
}

std::string EncodeImage(const Image& image, const std::string& extension, const std::string& name) {
  const cv::Mat mat = ToMat(image);
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

Image DecodeImageForNet(const std::string& bytes, const std::string& name, int channels, int height,
                        int width) {
  // IMREAD_UNCHANGED, as cv::imread(file, -1) in Caffe's cpp_classification:
  // no EXIF rotation, and an alpha channel arrives to be dropped below.
  return PrepareForNet(FromMat(Decode(bytes, cv::IMREAD_UNCHANGED, name)), name, channels, height,
                       width);
}

Image PrepareForNet(const Image& image, const std::string& name, int channels, int height,
                    int width) {
  if (channels != 1 && channels != 3) {
    throw ShapeError(name + ": the net takes " + std::to_string(channels) +
                     "-channel images; only 1 (grey) or 3 (BGR) can be made from an image");
  }
  if (image.channels != 1 && image.channels != 3 && image.channels != 4) {
    throw DataError(name + ": an image with " + std::to_string(image.channels) +
                    " channels; 1 (grey), 3 (BGR) or 4 (BGRA) are read");
  }
  cv::Mat mat = ToMat(image);
  int code = -1;
  if (image.channels == 1 && channels == 3) code = cv::COLOR_GRAY2BGR;
  if (image.channels == 3 && channels == 1) code = cv::COLOR_BGR2GRAY;
  if (image.channels == 4) code = channels == 3 ? cv::COLOR_BGRA2BGR : cv::COLOR_BGRA2GRAY;
  if (code >= 0) {
    cv::Mat converted;
    cv::cvtColor(mat, converted, code);
    mat = converted;
  }
  if (mat.rows != height || mat.cols != width) {
    cv::Mat resized;
    cv::resize(mat, resized, cv::Size(width, height));
    mat = resized;
  }
  return FromMat(mat);
}

Image ReadImageFile(const std::string& path, ImageColor color, int height, int width) {
  return DecodeImage(ReadFileToString(path), color, path, height, width);
}

}  // namespace strata
