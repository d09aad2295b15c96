#include "strata/idx.hpp"

#include <boost/iostreams/copy.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <cstdio>
#include <sstream>

#include "strata/errors.hpp"
#include "strata/io.hpp"

namespace strata {

namespace {

uint32_t BigEndian32(const std::string& bytes, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 3]));
}

std::string Gunzip(const std::string& compressed, const std::string& name) {
  try {
    std::istringstream in(compressed);
    boost::iostreams::filtering_istream stream;
    stream.push(boost::iostreams::gzip_decompressor());
    stream.push(in);
    std::ostringstream out;
    boost::iostreams::copy(stream, out);
    return out.str();
  } catch (const std::exception& e) {
    throw IoError(name + ": corrupt or truncated gzip data (" + e.what() + ")");
  }
}

}  // namespace

IdxArray ParseIdx(const std::string& bytes, const std::string& name) {
  if (bytes.size() < 4) throw IoError(name + ": too short for an IDX header");
  if (bytes[0] != 0 || bytes[1] != 0) throw IoError(name + ": not an IDX file (bad magic number)");
  const int type = static_cast<uint8_t>(bytes[2]);
  const int rank = static_cast<uint8_t>(bytes[3]);
  if (type != 0x08) {
    char hex[8];
    std::snprintf(hex, sizeof(hex), "0x%02X", type);
    throw IoError(name + ": IDX value type " + hex +
                  " is not supported (only unsigned bytes, 0x08)");
  }
  if (rank == 0) throw IoError(name + ": IDX file has no dimensions");
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  if (bytes.size() < header) throw IoError(name + ": truncated IDX header");
  IdxArray array;
  uint64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    const uint32_t dim = BigEndian32(bytes, 4 + 4 * i);
    if (dim > 0x7fffffffu) throw IoError(name + ": IDX dimension too large");
    array.dims.push_back(static_cast<int>(dim));
    count *= dim;
    if (count > 0x7fffffffu) throw IoError(name + ": IDX array too large");
  }
  if (bytes.size() - header != count) {
    throw IoError(name + ": IDX header promises " + std::to_string(count) +
                  " values but the file " + "holds " + std::to_string(bytes.size() - header) +
                  " (truncated?)");
  }
  array.values.assign(bytes.begin() + header, bytes.end());
  return array;
}

IdxArray ReadIdxFile(const std::string& path) {
  std::string bytes = ReadFileToString(path);
  if (bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0x1f &&
      static_cast<uint8_t>(bytes[1]) == 0x8b) {
    bytes = Gunzip(bytes, path);
  }
  return ParseIdx(bytes, path);
}

}  // namespace strata
