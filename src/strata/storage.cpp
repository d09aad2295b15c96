#include "strata/storage.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace strata {

namespace {
constexpr size_t kAlignment = 64;
}

Storage::~Storage() { std::free(data_); }

void Storage::Reserve(size_t count) {
  ReserveLazily(count);
  if (wanted_ > capacity_) Grow();
}

void Storage::ReserveLazily(size_t count) { wanted_ = std::max(wanted_, count); }

void Storage::Grow() const {
  const size_t count = wanted_;
  size_t bytes = count * sizeof(float);
  bytes = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  auto* fresh = static_cast<float*>(std::aligned_alloc(kAlignment, bytes));
  if (fresh == nullptr) throw std::bad_alloc();
  std::memset(fresh, 0, bytes);
  if (data_ != nullptr) std::memcpy(fresh, data_, capacity_ * sizeof(float));
  std::free(data_);
  data_ = fresh;
  capacity_ = count;
}

}  // namespace strata
