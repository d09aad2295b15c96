#include "strata/leveldb.hpp"

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <filesystem>

#include "strata/errors.hpp"

namespace strata {

namespace {
void Check(const leveldb::Status& status, const std::string& path, const char* what) {
  if (!status.ok()) throw IoError(path + ": " + what + ": " + status.ToString());
}
}  // namespace

struct LevelDbReader::Impl {
  std::unique_ptr<leveldb::DB> db;
  std::unique_ptr<leveldb::Iterator> it;
  ~Impl() {
    it.reset();  // an iterator must go before its database
    db.reset();
  }
};

LevelDbReader::LevelDbReader(const std::string& path)
    : path_(path), impl_(std::make_unique<Impl>()) {
  if (!std::filesystem::is_directory(path) || !std::filesystem::exists(path + "/CURRENT")) {
    throw IoError(path + ": not a LevelDB folder (expected " + path + "/CURRENT)");
  }
  leveldb::Options options;
  options.create_if_missing = false;
  options.paranoid_checks = true;  // a damaged file is an error, not skipped data
  leveldb::DB* db = nullptr;
  Check(leveldb::DB::Open(options, path, &db), path,
        "cannot open LevelDB (it writes a LOCK file: copy a read-only database first)");
  impl_->db.reset(db);
  leveldb::ReadOptions read;
  read.verify_checksums = true;
  read.fill_cache = false;
  impl_->it.reset(impl_->db->NewIterator(read));
  for (impl_->it->SeekToFirst(); impl_->it->Valid(); impl_->it->Next()) ++size_;
  Check(impl_->it->status(), path, "cannot read");
}

LevelDbReader::~LevelDbReader() = default;

bool LevelDbReader::First() {
  impl_->it->SeekToFirst();
  Check(impl_->it->status(), path_, "cannot read");
  return impl_->it->Valid();
}

void LevelDbReader::Next() {
  impl_->it->Next();
  Check(impl_->it->status(), path_, "cannot read");
  if (!impl_->it->Valid() && !First()) throw IoError(path_ + ": database is empty");
}

std::string LevelDbReader::key() const { return impl_->it->key().ToString(); }

std::string LevelDbReader::value() const { return impl_->it->value().ToString(); }

struct LevelDbWriter::Impl {
  std::unique_ptr<leveldb::DB> db;
  leveldb::WriteBatch batch;
  int pending = 0;
};

LevelDbWriter::LevelDbWriter(const std::string& path)
    : path_(path), impl_(std::make_unique<Impl>()) {
  if (std::filesystem::exists(path)) throw IoError(path + ": already exists");
  leveldb::Options options;
  options.create_if_missing = true;
  options.error_if_exists = true;
  options.write_buffer_size = 64 << 20;  // Caffe's: fewer, larger files while converting
  leveldb::DB* db = nullptr;
  Check(leveldb::DB::Open(options, path, &db), path, "cannot create LevelDB");
  impl_->db.reset(db);
}

LevelDbWriter::~LevelDbWriter() {
  try {
    Close();
  } catch (...) {
  }
}

void LevelDbWriter::Put(const std::string& key, const std::string& value) {
  impl_->batch.Put(key, value);
  if (++impl_->pending >= 1000) Commit();
}

void LevelDbWriter::Commit() {
  if (!impl_->db || impl_->pending == 0) return;
  leveldb::WriteOptions options;
  options.sync = true;
  Check(impl_->db->Write(options, &impl_->batch), path_, "cannot write");
  impl_->batch.Clear();
  impl_->pending = 0;
}

void LevelDbWriter::Close() {
  if (!impl_->db) return;
  Commit();
  impl_->db.reset();
}

}  // namespace strata
