// 8-bit images as Caffe's data layers see them: channels x height x width,
// colour in OpenCV's BGR order (Caffe stores and feeds them so). Decoding
// goes through OpenCV's imdecode with Caffe's flags, so the pixels are
// Caffe's; OpenCV stays out of this header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata {

struct Image {
  int channels = 0;
  int height = 0;
  int width = 0;
  std::vector<uint8_t> pixels;  // channel-major: C x H x W
};

// kNative keeps the file's own channels (1 for grey, 3 for colour: Caffe's
// IMREAD_ANYCOLOR); kColor and kGray convert (transform_param force_color,
// force_gray).
enum class ImageColor { kNative, kColor, kGray };

// Decodes JPEG, PNG and the other formats OpenCV reads; with `height` and
// `width` both positive, resizes to them (bilinear, OpenCV's cv::resize as
// Caffe calls it). DataError naming `name` when the bytes are empty or not an
// image.
Image DecodeImage(const std::string& bytes, ImageColor color, const std::string& name,
                  int height = 0, int width = 0);
// The same for a file (IoError when it cannot be read).
Image ReadImageFile(const std::string& path, ImageColor color, int height = 0, int width = 0);

// An image made ready for a net's input as Caffe's cpp_classification example
// makes it: decoded as stored (no EXIF rotation), converted to `channels` (1 or
// 3; grey becomes BGR, BGR and BGRA become grey with OpenCV's weights, alpha is
// dropped), then resized to height x width (bilinear) when its size differs.
// ShapeError for a net of other than 1 or 3 channels; DataError naming `name`
// for bytes that are no 8-bit image.
Image DecodeImageForNet(const std::string& bytes, const std::string& name, int channels, int height,
                        int width);
// The same steps for pixels already decoded (PGM, IDX).
Image PrepareForNet(const Image& image, const std::string& name, int channels, int height,
                    int width);

// Encodes with OpenCV's imencode; `extension` names the format ("png",
// "jpg"). DataError naming `name` when OpenCV cannot write it.
std::string EncodeImage(const Image& image, const std::string& extension, const std::string& name);

}  // namespace strata
