// The one place that owns numeric memory: a 64-byte aligned float buffer that
// grows but never shrinks (from 2 MB on, aligned to a huge page and advised
// to use huge pages). A second device would add its copy here.
//
// Reserve allocates at once; ReserveLazily only records the size, and the
// memory is allocated (zeroed) on first access. Blobs reserve their gradients
// lazily, so a net that never runs backward never pays for them.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace strata {

class Storage {
 public:
  Storage() = default;
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // Ensures room for `count` floats; new memory is zeroed, old contents kept.
  void Reserve(size_t count);
  void ReserveLazily(size_t count);
  // Bytes all storages hold now, and the machine's physical memory: an
  // allocation that would pass it is refused with a ShapeError.
  static size_t TotalBytes() { return total_bytes_.load(); }
  static size_t PhysicalMemoryBytes();
  // The ceiling on TotalBytes (default: physical memory; 0 restores it). The
  // fuzz targets lower it; a server could too.
  static void SetMemoryLimit(size_t bytes) { limit_bytes_ = bytes; }
  static size_t MemoryLimitBytes() {
    const size_t limit = limit_bytes_.load();
    return limit > 0 ? limit : PhysicalMemoryBytes();
  }
  static std::string FormatBytes(double bytes);

  // Floats allocated so far.
  size_t capacity() const { return capacity_; }
  // Floats it holds once touched (allocated or not yet).
  size_t reserved() const { return wanted_ > capacity_ ? wanted_ : capacity_; }
  const float* data() const {
    if (wanted_ > capacity_) Grow();
    return data_;
  }
  float* mutable_data() {
    if (wanted_ > capacity_) Grow();
    writes_.fetch_add(1, std::memory_order_relaxed);
    return data_;
  }
  // How many times mutable_data was called: a value that changes whenever the
  // contents may have (a net's folded BatchNorm weights are recomputed then).
  uint64_t writes() const { return writes_.load(std::memory_order_relaxed); }

 private:
  void Grow() const;

  static std::atomic<size_t> total_bytes_;
  static std::atomic<size_t> limit_bytes_;
  mutable float* data_ = nullptr;
  mutable size_t capacity_ = 0;
  mutable size_t allocated_bytes_ = 0;
  size_t wanted_ = 0;
  std::atomic<uint64_t> writes_{0};
};

}  // namespace strata
