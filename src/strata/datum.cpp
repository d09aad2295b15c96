#include "strata/datum.hpp"

#include <algorithm>
#include <cmath>

#include "strata/errors.hpp"

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
        throw DataError(name + " holds " +
                        std::to_string(datum.float_data(static_cast<int>(k))) +
                        " in float_data at element " + std::to_string(k));
      }
    }
    example.floats = datum.float_data().data();
  } else if (count > 0) {
    throw IoError(name + " holds " + std::to_string(datum.data().size()) +
                  " bytes and " + std::to_string(datum.float_data_size()) + " floats for a " +
                  std::to_string(count) + "-value example (truncated?)");
  }
  if (example.channels <= 0 || example.height <= 0 || example.width <= 0) {
    throw IoError(name + " has no valid shape");
  }
  return example;
}

}  // namespace strata
