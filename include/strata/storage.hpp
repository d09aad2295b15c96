// The one place that owns numeric memory: a 64-byte aligned float buffer that
// grows but never shrinks. A second device would add its copy here.
#pragma once

#include <cstddef>

namespace strata {

class Storage {
 public:
  Storage() = default;
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // Ensures room for `count` floats; new memory is zeroed, old contents kept.
  void Reserve(size_t count);
  size_t capacity() const { return capacity_; }
  const float* data() const { return data_; }
  float* mutable_data() { return data_; }

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace strata
