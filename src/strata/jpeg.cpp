#include "strata/jpeg.hpp"

#include <csetjmp>
#include <cstdio>
#include <cstring>
// After <cstdio>: jpeglib.h uses FILE and size_t without including them.
#include <jpeglib.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace strata {

namespace {

// libjpeg reports a fatal error through error_exit, which must not return:
// it jumps back, and the image is declined (OpenCV then reports it in its own
// words). Damaged data that libjpeg only warns about (a truncated scan) is
// declined too: OpenCV's reading of such a stream fills the rest differently.
struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  int warnings = 0;
};

void ErrorExit(j_common_ptr info) {
  std::longjmp(reinterpret_cast<ErrorManager*>(info->err)->jump, 1);
}

void CountWarnings(j_common_ptr info, int level) {
  if (level < 0) ++reinterpret_cast<ErrorManager*>(info->err)->warnings;
}

bool HasExif(const jpeg_decompress_struct& info) {
  for (jpeg_saved_marker_ptr m = info.marker_list; m != nullptr; m = m->next) {
    if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 &&
        std::memcmp(m->data, "Exif\0\0", 6) == 0) {
      return true;
    }
  }
  return false;
}

// The decoding proper; false when it declines. Kept apart from the setjmp in
// DecodeJpegLikeOpenCv so that no local here lives across the longjmp.
bool Decode(jpeg_decompress_struct* info, int flags, cv::Mat* out) {
  jpeg_save_markers(info, JPEG_APP0 + 1, 0xffff);
  if (jpeg_read_header(info, TRUE) != JPEG_HEADER_OK) return false;
  const bool no_tables =
      info->ac_huff_tbl_ptrs[0] == nullptr && info->ac_huff_tbl_ptrs[1] == nullptr &&
      info->dc_huff_tbl_ptrs[0] == nullptr && info->dc_huff_tbl_ptrs[1] == nullptr;
  if (info->num_components == 4 || no_tables || HasExif(*info)) return false;
  // OpenCV's choice of channels: IMREAD_COLOR always 3, IMREAD_ANYCOLOR 3
  // when the file has more than one component.
  const bool color =
      flags == cv::IMREAD_COLOR || (flags == cv::IMREAD_ANYCOLOR && info->num_components > 1);
  info->out_color_space = color ? JCS_EXT_BGR : JCS_GRAYSCALE;
  if (!jpeg_start_decompress(info)) return false;
  // Straight into the caller's Mat: a local one would be skipped by the jump.
  out->create(static_cast<int>(info->output_height), static_cast<int>(info->output_width),
              color ? CV_8UC3 : CV_8UC1);
  while (info->output_scanline < info->output_height) {
    JSAMPROW row = out->ptr<uint8_t>(static_cast<int>(info->output_scanline));
    jpeg_read_scanlines(info, &row, 1);
  }
  jpeg_finish_decompress(info);
  return true;
}

}  // namespace

bool DecodeJpegLikeOpenCv(const std::string& bytes, int flags, cv::Mat* out) {
  const bool jpeg = bytes.size() > 3 && static_cast<uint8_t>(bytes[0]) == 0xff &&
                    static_cast<uint8_t>(bytes[1]) == 0xd8 &&
                    static_cast<uint8_t>(bytes[2]) == 0xff;
  if (!jpeg || (flags != cv::IMREAD_COLOR && flags != cv::IMREAD_GRAYSCALE &&
                flags != cv::IMREAD_ANYCOLOR)) {
    return false;
  }
  jpeg_decompress_struct info;
  ErrorManager error;
  info.err = jpeg_std_error(&error.pub);
  error.pub.error_exit = ErrorExit;
  error.pub.emit_message = CountWarnings;
  jpeg_create_decompress(&info);
  volatile bool decoded = false;  // read after a possible longjmp
  if (setjmp(error.jump) == 0) {
    jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()),
                 static_cast<unsigned long>(bytes.size()));
    decoded = Decode(&info, flags, out);
  }
  jpeg_destroy_decompress(&info);
  return decoded && error.warnings == 0;
}

}  // namespace strata
