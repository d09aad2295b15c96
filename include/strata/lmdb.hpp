// LMDB key-value databases in Caffe's layout (a folder holding data.mdb),
// read sequentially and written in batches. Errors are IoError naming the path.
#pragma once

#include <memory>
#include <string>

#include "strata/db.hpp"

namespace strata {

class LmdbReader : public DbReader {
 public:
  // Opens read-only without a lock file, so read-only folders work. The
  // database's tree is checked first (every page, node and overflow run that
  // liblmdb would follow lies inside the file), so a damaged file is an
  // IoError "PATH: the database is damaged: ..." instead of a crash.
  explicit LmdbReader(const std::string& path);
  ~LmdbReader() override;
  LmdbReader(const LmdbReader&) = delete;
  LmdbReader& operator=(const LmdbReader&) = delete;

  const std::string& path() const override { return path_; }
  size_t size() const override;
  bool First() override;
  void Next() override;
  std::string key() const override;
  std::string value() const override;

 private:
  struct Impl;
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

class LmdbWriter : public DbWriter {
 public:
  // Creates a new database folder (IoError when it exists).
  explicit LmdbWriter(const std::string& path);
  ~LmdbWriter() override;
  LmdbWriter(const LmdbWriter&) = delete;
  LmdbWriter& operator=(const LmdbWriter&) = delete;

  void Put(const std::string& key, const std::string& value) override;
  void Commit() override;
  void Close() override;

 private:
  struct Impl;
  std::string path_;
  std::unique_ptr<Impl> impl_;
  int pending_ = 0;
};

}  // namespace strata
