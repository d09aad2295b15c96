// LevelDB databases in Caffe's layout (a folder of .ldb/.log files, Caffe's
// default backend), read in key order. Errors are IoError naming the path.
#pragma once

#include <memory>
#include <string>

#include "strata/db.hpp"

namespace strata {

class LevelDbReader : public DbReader {
 public:
  // LevelDB takes a lock file in the folder, so the folder must be writable
  // (copy a read-only database first). Counts the records once, here.
  explicit LevelDbReader(const std::string& path);
  ~LevelDbReader() override;
  LevelDbReader(const LevelDbReader&) = delete;
  LevelDbReader& operator=(const LevelDbReader&) = delete;

  const std::string& path() const override { return path_; }
  size_t size() const override { return size_; }
  bool First() override;
  void Next() override;
  std::string key() const override;
  std::string value() const override;

 private:
  struct Impl;
  std::string path_;
  std::unique_ptr<Impl> impl_;
  size_t size_ = 0;
};

class LevelDbWriter : public DbWriter {
 public:
  // Creates a new database folder (IoError when it exists).
  explicit LevelDbWriter(const std::string& path);
  ~LevelDbWriter() override;
  LevelDbWriter(const LevelDbWriter&) = delete;
  LevelDbWriter& operator=(const LevelDbWriter&) = delete;

  void Put(const std::string& key, const std::string& value) override;
  void Commit() override;
  void Close() override;

 private:
  struct Impl;
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata
