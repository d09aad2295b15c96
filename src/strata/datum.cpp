#include "strata/datum.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/io.hpp"

namespace strata {

DatumValues ReadDatumValues(const Datum& datum, ImageColor color, const std::string& name) {
  DatumValues example;
  if (datum.encoded()) {
    // As Caffe: the file's own channels unless force_color or force_gray.
    example.image = DecodeImage(datum.data(), color, name);
    example.channels = example.image.channels;
    example.height = example.image.height;
    example.width = example.image.width;
    return example;
  }
  example.channels = datum.channels();
  example.height = datum.height();
  example.width = datum.width();
  const size_t count = static_cast<size_t>(std::max(example.channels, 0)) *
                       std::max(example.height, 0) * std::max(example.width, 0);
  if (count > 0 && datum.data().size() == count) {
    example.raw = reinterpret_cast<const uint8_t*>(datum.data().data());
  } else if (count > 0 && static_cast<size_t>(datum.float_data_size()) == count) {
    // Floats from a file: a NaN or infinity would poison every weight it touches.
    for (size_t k = 0; k < count; ++k) {
      if (!std::isfinite(datum.float_data(static_cast<int>(k)))) {
        throw DataError(name + " holds " + std::to_string(datum.float_data(static_cast<int>(k))) +
                        " in float_data at element " + std::to_string(k));
      }
    }
    example.floats = datum.float_data().data();
  } else if (count > 0) {
    throw IoError(name + " holds " + std::to_string(datum.data().size()) + " bytes and " +
                  std::to_string(datum.float_data_size()) + " floats for a " +
                  std::to_string(count) + "-value example (truncated?)");
  }
  if (example.channels <= 0 || example.height <= 0 || example.width <= 0) {
    throw IoError(name + " has no valid shape");
  }
  return example;
}

namespace {

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

Datum ImageFileToDatum(const std::string& path, int label, ImageColor color, int height, int width,
                       const std::string& encoding) {
  const std::string bytes = ReadFileToString(path);
  const Image image = DecodeImage(bytes, color, path, height, width);
  Datum datum;
  datum.set_label(label);
  if (!encoding.empty()) {
    const size_t dot = path.rfind('.');
    const std::string extension = dot == std::string::npos ? "" : Lower(path.substr(dot + 1));
    const std::string wanted = Lower(encoding);
    const bool same_format = extension == wanted || (wanted == "jpg" && extension == "jpeg");
    const bool unchanged = height <= 0 && width <= 0 && same_format &&
                           (image.channels == 3) == (color == ImageColor::kColor);
    datum.set_data(unchanged ? bytes : EncodeImage(image, encoding, path));
    datum.set_encoded(true);
    return datum;
  }
  datum.set_channels(image.channels);
  datum.set_height(image.height);
  datum.set_width(image.width);
  datum.set_data(std::string(image.pixels.begin(), image.pixels.end()));
  return datum;
}

}  // namespace strata
