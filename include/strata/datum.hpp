// The values of one Datum record, as Caffe's data layers and tools read it:
// raw uint8 values, float_data, or an encoded image (JPEG, PNG) decoded with
// the file's own channels or as colour / grey.
#pragma once

#include <cstdint>
#include <string>

#include "blob.pb.h"
#include "strata/image.hpp"

namespace strata {

struct DatumValues {
  int channels = 0, height = 0, width = 0;
  const uint8_t* raw = nullptr;   // into the Datum
  const float* floats = nullptr;  // into the Datum (checked finite)
  Image image;                    // a decoded record
  // The 8-bit values (C x H x W), or null for float_data.
  const uint8_t* bytes() const { return image.pixels.empty() ? raw : image.pixels.data(); }
};

// Reads `datum` (which must outlive the result); `name` ("DB: record 'KEY'")
// goes before errors: a shape without values, values that do not fill it,
// NaN or infinity in float_data, bytes that do not decode.
DatumValues ReadDatumValues(const Datum& datum, ImageColor color, const std::string& name);

// An image file as a Datum, as Caffe's convert_imageset writes it: decoded
// as colour or grey and resized when `height` and `width` are positive; raw
// C x H x W bytes, or with `encoding` ("png", "jpg") encoded, keeping the
// file's own bytes when nothing changes them (Caffe's rule: no resize, the
// extension matches, and the decoded channels match the colour choice).
Datum ImageFileToDatum(const std::string& path, int label, ImageColor color, int height, int width,
                       const std::string& encoding);

}  // namespace strata
