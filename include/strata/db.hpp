// Key-value databases of Datum records, read in key order and wrapping at the
// end: Caffe's two backends, LMDB (include/strata/lmdb.hpp) and LevelDB
// (include/strata/leveldb.hpp), behind one reader interface.
#pragma once

#include <memory>
#include <string>

namespace strata {

class DbReader {
 public:
  virtual ~DbReader() = default;
  virtual const std::string& path() const = 0;
  // The number of records.
  virtual size_t size() const = 0;
  // Moves to the first record; false when the database is empty.
  virtual bool First() = 0;
  // Moves to the next record, wrapping to the first at the end.
  virtual void Next() = 0;
  virtual std::string key() const = 0;
  virtual std::string value() const = 0;
};

// Writes a new database: records are put in batches, each committed whole.
class DbWriter {
 public:
  virtual ~DbWriter() = default;
  virtual void Put(const std::string& key, const std::string& value) = 0;
  // Writes what was put; also done every 1000 records and on Close.
  virtual void Commit() = 0;
  virtual void Close() = 0;
};

enum class DbBackend { kLmdb, kLevelDb };

// Opens `path` read-only with `backend`; IoError naming the path when it is
// not such a database.
std::unique_ptr<DbReader> OpenDbReader(const std::string& path, DbBackend backend);
// Creates the database folder `path` (IoError when it exists).
std::unique_ptr<DbWriter> CreateDbWriter(const std::string& path, DbBackend backend);

// A record key for messages: bytes outside printable ASCII (a NUL, binary
// keys) as \xNN, long keys shortened with "...".
std::string PrintableKey(const std::string& key);

}  // namespace strata
