#include "strata/pgm.hpp"

#include <cctype>

#include "strata/errors.hpp"
#include "strata/io.hpp"

namespace strata {

namespace {

// Reads the next header number, skipping whitespace and '#' comments.
int HeaderNumber(const std::string& bytes, size_t* pos, const std::string& name, const char* what) {
  while (*pos < bytes.size()) {
    const unsigned char c = bytes[*pos];
    if (c == '#') {
      while (*pos < bytes.size() && bytes[*pos] != '\n') ++*pos;
    } else if (std::isspace(c)) {
      ++*pos;
    } else {
      break;
    }
  }
  long value = 0;
  const size_t start = *pos;
  while (*pos < bytes.size() && std::isdigit(static_cast<unsigned char>(bytes[*pos]))) {
    value = value * 10 + (bytes[*pos] - '0');
    if (value > 1 << 20) throw DataError(name + ": PGM " + what + " is too large");
    ++*pos;
  }
  if (*pos == start) throw DataError(name + ": PGM header lacks the " + what);
  return static_cast<int>(value);
}

}  // namespace

GrayImage ParsePgm(const std::string& bytes, const std::string& name) {
  if (bytes.size() < 2 || bytes[0] != 'P' || (bytes[1] != '5' && bytes[1] != '2')) {
    throw DataError(name + ": not a PGM image (expected \"P5\" or \"P2\" at the start)");
  }
  const bool binary = bytes[1] == '5';
  size_t pos = 2;
  GrayImage image;
  image.width = HeaderNumber(bytes, &pos, name, "width");
  image.height = HeaderNumber(bytes, &pos, name, "height");
  const int maxval = HeaderNumber(bytes, &pos, name, "maximum value");
  if (image.width <= 0 || image.height <= 0) {
    throw DataError(name + ": PGM size " + std::to_string(image.width) + "x" +
                    std::to_string(image.height) + " is empty");
  }
  if (maxval <= 0 || maxval > 255) {
    throw DataError(name + ": PGM maximum value " + std::to_string(maxval) +
                    " is not supported (8-bit images only, 1..255)");
  }
  const size_t count = static_cast<size_t>(image.width) * image.height;
  image.pixels.resize(count);
  if (binary) {
    ++pos;  // the single whitespace byte after maxval
    if (bytes.size() < pos + count) {
      throw DataError(name + ": PGM data is truncated: " + std::to_string(count) +
                      " pixels expected, " +
                      std::to_string(bytes.size() > pos ? bytes.size() - pos : 0) + " present");
    }
    for (size_t i = 0; i < count; ++i) image.pixels[i] = static_cast<uint8_t>(bytes[pos + i]);
  } else {
    for (size_t i = 0; i < count; ++i) {
      const int v = HeaderNumber(bytes, &pos, name, "pixel value");
      if (v > maxval) {
        throw DataError(name + ": pixel " + std::to_string(i) + " is " + std::to_string(v) +
                        ", above the maximum value " + std::to_string(maxval));
      }
      image.pixels[i] = static_cast<uint8_t>(v);
    }
  }
  if (maxval != 255) {
    for (auto& p : image.pixels) p = static_cast<uint8_t>((p * 255 + maxval / 2) / maxval);
  }
  return image;
}

GrayImage ReadPgmFile(const std::string& path) { return ParsePgm(ReadFileToString(path), path); }

void WritePgmFile(const GrayImage& image, const std::string& path) {
  std::string bytes =
      "P5\n" + std::to_string(image.width) + " " + std::to_string(image.height) + "\n255\n";
  bytes.append(image.pixels.begin(), image.pixels.end());
  WriteFileAtomically(path, bytes);
}

}  // namespace strata
