#include "strata/lmdb.hpp"

#include <lmdb.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

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

// LMDB keeps no checksums and liblmdb trusts every page number, offset and
// size it reads from the memory-mapped file: a damaged page makes it read
// outside the map (SIGSEGV, SIGBUS). So before liblmdb opens a database, the
// main B-tree is walked here with plain reads and every page, node and
// overflow run liblmdb could follow is bounds-checked (the layout is LMDB's
// documented on-disk format for 64-bit builds, version 1).
class LmdbChecker {
 public:
  explicit LmdbChecker(const std::string& folder)
      : folder_(folder), in_(folder + "/data.mdb", std::ios::binary) {
    if (!in_) throw IoError(folder + ": cannot read data.mdb: " + std::strerror(errno));
    in_.seekg(0, std::ios::end);
    size_ = static_cast<uint64_t>(in_.tellg());
  }

  void Check() {
    const Meta meta = PickMeta();
    if (meta.root == kInvalidPage) {
      if (meta.entries != 0)
        Fail("the meta page counts " + std::to_string(meta.entries) +
             " records but has no root page");
      return;
    }
    visited_.assign(pages_, false);
    uint64_t entries = 0;
    std::vector<std::pair<uint64_t, int>> stack = {{meta.root, 1}};
    while (!stack.empty()) {
      const auto [pgno, depth] = stack.back();
      stack.pop_back();
      entries += CheckTreePage(pgno, depth, meta, &stack);
    }
    if (entries != meta.entries) {
      Fail("the tree holds " + std::to_string(entries) + " records but the meta page counts " +
           std::to_string(meta.entries));
    }
  }

 private:
  static constexpr uint64_t kInvalidPage = ~uint64_t{0};
  static constexpr size_t kHeader = 16, kNode = 8;
  static constexpr uint16_t kBranch = 0x01, kLeaf = 0x02, kOverflow = 0x04, kMeta = 0x08;
  static constexpr uint16_t kLeaf2 = 0x20, kSubPage = 0x40;
  static constexpr uint16_t kBigData = 0x01, kSubData = 0x02, kDupData = 0x04;

  struct Meta {
    uint64_t txnid = 0, last_page = 0, root = kInvalidPage, entries = 0;
    uint16_t flags = 0, depth = 0;
  };

  [[noreturn]] void Fail(const std::string& what) const {
    throw IoError(folder_ + ": the database is damaged: " + what);
  }
  template <typename T>
  static T Load(const std::string& bytes, size_t offset) {
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
  }
  std::string Read(uint64_t offset, size_t length) {
    if (offset > size_ || length > size_ - offset) {
      Fail("a page at byte " + std::to_string(offset) + " lies past the end of data.mdb (" +
           std::to_string(size_) + " bytes; truncated?)");
    }
    std::string bytes(length, '\0');
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(&bytes[0], static_cast<std::streamsize>(length));
    if (!in_) Fail("data.mdb cannot be read at byte " + std::to_string(offset));
    return bytes;
  }

  // The two meta pages; liblmdb uses the one of the later transaction.
  Meta PickMeta() {
    Meta metas[2];
    uint64_t offset = 0;
    for (int i = 0; i < 2; ++i) {
      const std::string page = Read(offset, 160);
      if (!(Load<uint16_t>(page, 10) & kMeta) || Load<uint32_t>(page, 16) != 0xBEEFC0DE) {
        Fail("meta page " + std::to_string(i) + " is not an LMDB meta page");
      }
      if (Load<uint32_t>(page, 20) != 1) Fail("unsupported LMDB format version");
      const uint32_t page_size = Load<uint32_t>(page, 40);  // mm_dbs[FREE].md_pad
      if (page_size < 512 || page_size > 65536 || (page_size & (page_size - 1)) != 0) {
        Fail("meta page " + std::to_string(i) + " gives a page size of " +
             std::to_string(page_size));
      }
      if (i == 0) psize_ = page_size;
      const size_t main = 88;  // mm_dbs[MAIN]
      metas[i].flags = Load<uint16_t>(page, main + 4);
      metas[i].depth = Load<uint16_t>(page, main + 6);
      metas[i].entries = Load<uint64_t>(page, main + 32);
      metas[i].root = Load<uint64_t>(page, main + 40);
      metas[i].last_page = Load<uint64_t>(page, 136);
      metas[i].txnid = Load<uint64_t>(page, 144);
      offset += page_size;
    }
    const Meta meta = metas[metas[0].txnid < metas[1].txnid ? 1 : 0];
    pages_ = size_ / psize_;
    if (meta.last_page >= pages_) {
      Fail("the meta page names page " + std::to_string(meta.last_page) + " but data.mdb holds " +
           std::to_string(pages_) + " pages (truncated?)");
    }
    if (meta.flags & 0x74) {  // MDB_DUPSORT and its kin change the page layout
      Fail("the main database has flags 0x" + Hex(meta.flags) +
           " (Caffe writes plain key-value records)");
    }
    return meta;
  }
  static std::string Hex(unsigned value) {
    char text[16];
    std::snprintf(text, sizeof(text), "%x", value);
    return text;
  }

  // Checks one branch or leaf page; queues a branch's children; returns a leaf's record count.
  uint64_t CheckTreePage(uint64_t pgno, int depth, const Meta& meta,
                         std::vector<std::pair<uint64_t, int>>* stack) {
    const std::string where = "page " + std::to_string(pgno);
    if (pgno < 2 || pgno > meta.last_page)
      Fail(where + " is out of range (pages 2.." + std::to_string(meta.last_page) + ")");
    if (visited_[pgno]) Fail(where + " is reached twice (a cycle)");
    visited_[pgno] = true;
    const std::string page = Read(pgno * psize_, psize_);
    const uint16_t flags = Load<uint16_t>(page, 10);
    const uint16_t lower = Load<uint16_t>(page, 12), upper = Load<uint16_t>(page, 14);
    if (Load<uint64_t>(page, 0) != pgno)
      Fail(where + " says it is page " + std::to_string(Load<uint64_t>(page, 0)));
    const bool branch = flags & kBranch, leaf = flags & kLeaf;
    if (branch == leaf || (flags & (kOverflow | kMeta | kLeaf2 | kSubPage))) {
      Fail(where + " has page flags 0x" + Hex(flags) + " where a tree page belongs");
    }
    if (depth > meta.depth || (leaf && depth != meta.depth)) {
      Fail(where + " is at depth " + std::to_string(depth) + " of a tree of depth " +
           std::to_string(meta.depth));
    }
    if (lower < kHeader || lower > upper || upper > psize_ || (lower - kHeader) % 2 != 0) {
      Fail(where + " has free-space bounds " + std::to_string(lower) + ".." +
           std::to_string(upper));
    }
    const int keys = (lower - kHeader) / 2;
    if (keys < (branch ? 2 : 1)) Fail(where + " holds " + std::to_string(keys) + " nodes");
    for (int i = 0; i < keys; ++i) {
      const size_t node = Load<uint16_t>(page, kHeader + 2 * i);
      if (node < upper || node + kNode > psize_)
        Fail(where + " node " + std::to_string(i) + " starts outside the page");
      const uint64_t lo = Load<uint16_t>(page, node), hi = Load<uint16_t>(page, node + 2);
      const uint16_t node_flags = Load<uint16_t>(page, node + 4);
      const size_t key_size = Load<uint16_t>(page, node + 6);
      const size_t data = node + kNode + key_size;
      if (data > psize_)
        Fail(where + " node " + std::to_string(i) + " has a key past the page end");
      if (branch) {
        stack->emplace_back(lo | hi << 16 | uint64_t{node_flags} << 32, depth + 1);
        continue;
      }
      const uint64_t data_size = lo | hi << 16;
      if (node_flags & (kSubData | kDupData))
        Fail(where + " node " + std::to_string(i) +
             " holds duplicate records (not Caffe's layout)");
      if (!(node_flags & kBigData)) {
        if (data + data_size > psize_)
          Fail(where + " node " + std::to_string(i) + " has a value past the page end");
        continue;
      }
      if (data + 8 > psize_)
        Fail(where + " node " + std::to_string(i) + " has a value reference past the page end");
      CheckOverflow(Load<uint64_t>(page, data), data_size, meta,
                    where + " node " + std::to_string(i));
    }
    return leaf ? keys : 0;
  }

  void CheckOverflow(uint64_t first, uint64_t data_size, const Meta& meta,
                     const std::string& owner) {
    if (first < 2 || first > meta.last_page)
      Fail(owner + " points to page " + std::to_string(first) + ", out of range");
    const std::string head = Read(first * psize_, kHeader);
    const uint64_t count = Load<uint32_t>(head, 12);
    if (Load<uint64_t>(head, 0) != first || !(Load<uint16_t>(head, 10) & kOverflow) || count == 0 ||
        count > meta.last_page - first + 1 || count * psize_ - kHeader < data_size) {
      Fail(owner + " has a damaged overflow run at page " + std::to_string(first));
    }
  }

  std::string folder_;
  std::ifstream in_;
  uint64_t size_ = 0, pages_ = 0;
  uint32_t psize_ = 4096;
  std::vector<bool> visited_;
};

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
  LmdbChecker(path).Check();
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
