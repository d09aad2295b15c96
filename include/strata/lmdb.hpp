// LMDB key-value databases in Caffe's layout (a folder holding data.mdb),
// read sequentially and written in batches. Errors are IoError naming the path.
#pragma once

#include <memory>
#include <string>

namespace strata {

// A record key for messages: bytes outside printable ASCII (a NUL, binary
// keys) as \xNN, long keys shortened with "...".
std::string PrintableKey(const std::string& key);

class LmdbReader {
 public:
  // Opens read-only without a lock file, so read-only folders work. The
  // database's tree is checked first (every page, node and overflow run that
  // liblmdb would follow lies inside the file), so a damaged file is an
  // IoError "PATH: the database is damaged: ..." instead of a crash.
  explicit LmdbReader(const std::string& path);
  ~LmdbReader();
  LmdbReader(const LmdbReader&) = delete;
  LmdbReader& operator=(const LmdbReader&) = delete;

  const std::string& path() const { return path_; }
  size_t size() const;
  // Moves to the first record; false when the database is empty.
  bool First();
  // Moves to the next record, wrapping to the first at the end.
  void Next();
  std::string key() const;
  std::string value() const;

 private:
  struct Impl;
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

class LmdbWriter {
 public:
  // Creates a new database folder (IoError when it exists).
  explicit LmdbWriter(const std::string& path);
  ~LmdbWriter();
  LmdbWriter(const LmdbWriter&) = delete;
  LmdbWriter& operator=(const LmdbWriter&) = delete;

  void Put(const std::string& key, const std::string& value);
  // Commits what was put; also done every 1000 records and on Close.
  void Commit();
  void Close();

 private:
  struct Impl;
  std::string path_;
  std::unique_ptr<Impl> impl_;
  int pending_ = 0;
};

}  // namespace strata
