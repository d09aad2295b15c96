// IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed:
// a big-endian header 0 0 <type> <rank>, <rank> big-endian int32 dims, then
// the values. Only unsigned bytes (type 0x08) are read, which is what the
// image and label files hold.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata {

struct IdxArray {
  std::vector<int> dims;
  std::vector<uint8_t> values;
};

// Reads `path`, decompressing when it starts with the gzip magic bytes.
// IoError names the path and what is wrong (missing, truncated, bad header).
IdxArray ReadIdxFile(const std::string& path);
// Parses IDX bytes already in memory; `name` is used in error messages.
IdxArray ParseIdx(const std::string& bytes, const std::string& name);

}  // namespace strata
