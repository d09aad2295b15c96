// PGM images (Netpbm grayscale): binary "P5" and plain "P2", 8-bit (maxval
// up to 255), comments allowed in the header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata {

struct GrayImage {
  int height = 0;
  int width = 0;
  std::vector<uint8_t> pixels;  // row-major, height * width
};

// Parses PGM bytes; `name` is used in messages. DataError says what is wrong.
GrayImage ParsePgm(const std::string& bytes, const std::string& name);
// Reads a .pgm file (IoError when it cannot be read).
GrayImage ReadPgmFile(const std::string& path);
// Writes a binary (P5) file atomically.
void WritePgmFile(const GrayImage& image, const std::string& path);

}  // namespace strata
