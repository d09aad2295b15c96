#include "strata/storage.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "strata/errors.hpp"

namespace strata {

namespace {

constexpr size_t kAlignment = 64;

// Storages of at least a huge page start on one and ask the kernel for huge
// pages (where transparent huge pages are set to "madvise", unasked memory
// gets none): a pass over a net's blobs and packed weights then misses the
// TLB far less.
constexpr size_t kHugePage = size_t{2} << 20;

float* Allocate(size_t bytes) {
  void* memory = nullptr;
  const bool huge = bytes >= kHugePage;
  if (posix_memalign(&memory, huge ? kHugePage : kAlignment, bytes) != 0) throw std::bad_alloc();
  // Advice only: a kernel without huge pages refuses it, and nothing changes.
  if (huge) madvise(memory, bytes, MADV_HUGEPAGE);
  return static_cast<float*>(memory);
}

}  // namespace

Storage::~Storage() {
  std::free(data_);
  total_bytes_ -= allocated_bytes_;
}

void Storage::Reserve(size_t count) {
  ReserveLazily(count);
  if (wanted_ > capacity_) Grow();
}

void Storage::ReserveLazily(size_t count) { wanted_ = std::max(wanted_, count); }

std::atomic<size_t> Storage::total_bytes_{0};
std::atomic<size_t> Storage::limit_bytes_{0};

size_t Storage::PhysicalMemoryBytes() {
  static const size_t bytes = [] {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page)
                                 : static_cast<size_t>(-1);
  }();
  return bytes;
}

std::string Storage::FormatBytes(double bytes) {
  char text[32];
  if (bytes >= 1e9) {
    std::snprintf(text, sizeof(text), "%.1f GB", bytes / 1e9);
  } else {
    std::snprintf(text, sizeof(text), "%.1f MB", bytes / 1e6);
  }
  return text;
}

void Storage::Grow() const {
  const size_t count = wanted_;
  size_t bytes = count * sizeof(float);
  bytes = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  // Refuse, before allocating, what the machine cannot hold: with Linux's
  // overcommit the allocation would succeed and the process die later.
  const size_t held = total_bytes_.load();
  if (held + bytes > MemoryLimitBytes()) {
    throw ShapeError("cannot allocate " + FormatBytes(static_cast<double>(bytes)) +
                     " for a blob: blobs already hold " + FormatBytes(static_cast<double>(held)) +
                     " of the " + FormatBytes(static_cast<double>(MemoryLimitBytes())) +
                     " they may use (this machine's memory)");
  }
  float* fresh = Allocate(bytes);
  std::memset(fresh, 0, bytes);
  if (data_ != nullptr) std::memcpy(fresh, data_, capacity_ * sizeof(float));
  std::free(data_);
  total_bytes_ += bytes;
  total_bytes_ -= allocated_bytes_;
  allocated_bytes_ = bytes;
  data_ = fresh;
  capacity_ = count;
}

}  // namespace strata
