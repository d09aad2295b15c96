// JPEG decoding straight to OpenCV's BGR order with libjpeg-turbo, the library
// OpenCV itself decodes with. OpenCV 4.6 asks libjpeg for RGB and swaps the
// bytes in a plain loop (a fifth of the Data layer's time on JPEG records);
// libjpeg-turbo can write BGR itself, with the same values. The pixels equal
// cv::imdecode's for the images this accepts; it declines the rest, and the
// caller decodes those with OpenCV.
#pragma once

#include <string>

namespace cv {
class Mat;
}

namespace strata {

// Decodes `bytes` as cv::imdecode(bytes, flags) would, for flags
// IMREAD_COLOR (BGR), IMREAD_GRAYSCALE or IMREAD_ANYCOLOR (the file's own:
// grey or BGR), into `out` (8-bit, interleaved). Returns false (`out` then
// holds nothing useful) for anything it does not decode exactly as OpenCV: not a JPEG, CMYK,
// an EXIF segment (OpenCV may rotate by its orientation), abbreviated streams
// without Huffman tables, other flags, or any libjpeg error.
bool DecodeJpegLikeOpenCv(const std::string& bytes, int flags, cv::Mat* out);

}  // namespace strata
