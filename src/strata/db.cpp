#include "strata/db.hpp"

#include <cstdio>

#include "strata/leveldb.hpp"
#include "strata/lmdb.hpp"

namespace strata {

std::unique_ptr<DbReader> OpenDbReader(const std::string& path, DbBackend backend) {
  if (backend == DbBackend::kLevelDb) return std::make_unique<LevelDbReader>(path);
  return std::make_unique<LmdbReader>(path);
}

std::unique_ptr<DbWriter> CreateDbWriter(const std::string& path, DbBackend backend) {
  if (backend == DbBackend::kLevelDb) return std::make_unique<LevelDbWriter>(path);
  return std::make_unique<LmdbWriter>(path);
}

std::string PrintableKey(const std::string& key) {
  std::string text;
  for (size_t i = 0; i < key.size() && i < 64; ++i) {
    const unsigned char c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      text += static_cast<char>(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      text += escaped;
    }
  }
  if (key.size() > 64) text += "...";
  return text;
}

}  // namespace strata
