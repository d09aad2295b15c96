#include "strata/lmdb.hpp"

#include <lmdb.h>

#include <sys/mman.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "strata/errors.hpp"

namespace strata {

namespace {
void Check(int rc, const std::string& path, const char* what) {
  if (rc != MDB_SUCCESS) throw IoError(path + ": " + what + ": " + mdb_strerror(rc));
}
// Drops this process's resident pages of every read-only mapping of `file`
// (LMDB does not say where it mapped the file; /proc/self/maps does). Only
// file-backed mappings of that very file are touched, so nothing is lost.
void ReleaseMappedPages(const std::string& file) {
  std::error_code error;
  const std::string canonical = std::filesystem::canonical(file, error).string();
  if (error) return;
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    if (line.size() < canonical.size() ||
        line.compare(line.size() - canonical.size(), canonical.size(), canonical) != 0) {
      continue;
    }
    unsigned long begin = 0, end = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &begin, &end, perms) != 3) continue;
    if (perms[1] == 'w') continue;  // only read-only mappings
    madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
  }
}

}  // namespace

struct LmdbReader::Impl {
  MDB_env* env = nullptr;
  MDB_txn* txn = nullptr;
  MDB_dbi dbi = 0;
  MDB_cursor* cursor = nullptr;
  MDB_val key{}, value{};
  size_t bytes_since_release = 0;
  ~Impl() {
    if (cursor) mdb_cursor_close(cursor);
    if (txn) mdb_txn_abort(txn);
    if (env) mdb_env_close(env);
  }
};

LmdbReader::LmdbReader(const std::string& path) : path_(path), impl_(std::make_unique<Impl>()) {
  if (!std::filesystem::is_directory(path) || !std::filesystem::exists(path + "/data.mdb")) {
    throw IoError(path + ": not an LMDB folder (expected " + path + "/data.mdb)");
  }
  Check(mdb_env_create(&impl_->env), path, "cannot create LMDB environment");
  Check(mdb_env_open(impl_->env, path.c_str(), MDB_RDONLY | MDB_NOLOCK | MDB_NOTLS, 0664), path,
        "cannot open LMDB");
  Check(mdb_txn_begin(impl_->env, nullptr, MDB_RDONLY, &impl_->txn), path, "cannot read");
  Check(mdb_dbi_open(impl_->txn, nullptr, 0, &impl_->dbi), path, "cannot open database");
  Check(mdb_cursor_open(impl_->txn, impl_->dbi, &impl_->cursor), path, "cannot open cursor");
}

LmdbReader::~LmdbReader() = default;

size_t LmdbReader::size() const {
  MDB_stat stat;
  Check(mdb_stat(impl_->txn, impl_->dbi, &stat), path_, "cannot read size");
  return stat.ms_entries;
}

bool LmdbReader::First() {
  const int rc = mdb_cursor_get(impl_->cursor, &impl_->key, &impl_->value, MDB_FIRST);
  if (rc == MDB_NOTFOUND) return false;
  Check(rc, path_, "cannot read");
  return true;
}

void LmdbReader::Next() {
  // The database is memory-mapped: every record read stays in this process's
  // resident memory until the kernel needs it back (an epoch of Fashion-MNIST is
  // 50 MB). Every 1 MB read, the mapping's pages are released; they stay in
  // the page cache, so reading them again costs no disk access.
  impl_->bytes_since_release += impl_->value.mv_size;
  if (impl_->bytes_since_release > (1u << 20)) {
    impl_->bytes_since_release = 0;
    ReleaseMappedPages(path_ + "/data.mdb");
  }
  const int rc = mdb_cursor_get(impl_->cursor, &impl_->key, &impl_->value, MDB_NEXT);
  if (rc == MDB_NOTFOUND) {
    if (!First()) throw IoError(path_ + ": database is empty");
    return;
  }
  Check(rc, path_, "cannot read");
}

std::string LmdbReader::key() const {
  return std::string(static_cast<const char*>(impl_->key.mv_data), impl_->key.mv_size);
}

std::string LmdbReader::value() const {
  return std::string(static_cast<const char*>(impl_->value.mv_data), impl_->value.mv_size);
}

struct LmdbWriter::Impl {
  MDB_env* env = nullptr;
  MDB_txn* txn = nullptr;
  MDB_dbi dbi = 0;
  ~Impl() {
    if (txn) mdb_txn_abort(txn);
    if (env) mdb_env_close(env);
  }
};

LmdbWriter::LmdbWriter(const std::string& path) : path_(path), impl_(std::make_unique<Impl>()) {
  if (std::filesystem::exists(path)) throw IoError(path + ": already exists");
  std::filesystem::create_directories(path);
  Check(mdb_env_create(&impl_->env), path, "cannot create LMDB environment");
  // The map is reserved address space; the file grows only as data is written.
  Check(mdb_env_set_mapsize(impl_->env, size_t{1} << 36), path, "cannot size LMDB");
  Check(mdb_env_open(impl_->env, path.c_str(), 0, 0664), path, "cannot create LMDB");
  Check(mdb_txn_begin(impl_->env, nullptr, 0, &impl_->txn), path, "cannot write");
  Check(mdb_dbi_open(impl_->txn, nullptr, 0, &impl_->dbi), path, "cannot open database");
}

LmdbWriter::~LmdbWriter() {
  try {
    Close();
  } catch (...) {
  }
}

void LmdbWriter::Put(const std::string& key, const std::string& value) {
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  MDB_val v{value.size(), const_cast<char*>(value.data())};
  Check(mdb_put(impl_->txn, impl_->dbi, &k, &v, 0), path_, "cannot write record");
  if (++pending_ >= 1000) Commit();
}

void LmdbWriter::Commit() {
  if (!impl_->txn) return;
  const int rc = mdb_txn_commit(impl_->txn);
  impl_->txn = nullptr;
  Check(rc, path_, "cannot commit");
  pending_ = 0;
  Check(mdb_txn_begin(impl_->env, nullptr, 0, &impl_->txn), path_, "cannot write");
}

void LmdbWriter::Close() {
  if (!impl_->env) return;
  if (impl_->txn) {
    const int rc = mdb_txn_commit(impl_->txn);
    impl_->txn = nullptr;
    Check(rc, path_, "cannot commit");
  }
  mdb_env_close(impl_->env);
  impl_->env = nullptr;
  std::filesystem::remove(path_ + "/lock.mdb");
}

}  // namespace strata
