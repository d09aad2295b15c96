#include "strata/scratch.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>

#include "strata/storage.hpp"

namespace strata {
namespace {

using scratch::Key;

TEST(ScratchTest, EachKeyIsItsOwnAlignedBuffer) {
  float* columns = scratch::Get<float>(Key::kConvColumns, 100);
  float* products = scratch::Get<float>(Key::kConvProducts, 100);
  EXPECT_NE(columns, products);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(columns) % 64, 0u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(products) % 64, 0u);
  for (int i = 0; i < 100; ++i) columns[i] = static_cast<float>(i);
  for (int i = 0; i < 100; ++i) products[i] = -1.f;
  // Another key's use leaves this one's contents alone, and asking again for
  // no more than it holds returns the same buffer.
  EXPECT_EQ(scratch::Get<float>(Key::kConvColumns, 50), columns);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(columns[i], static_cast<float>(i));
}

TEST(ScratchTest, GrowsToTheLargestRequestAndCountsAgainstStorage) {
  const size_t before = Storage::TotalBytes();
  long* small = scratch::Get<long>(Key::kWeightGradImageRuns, 4);
  small[3] = 7;
  long* large = scratch::Get<long>(Key::kWeightGradImageRuns, 1 << 20);
  large[(1 << 20) - 1] = 9;  // the whole request is usable
  EXPECT_GE(Storage::TotalBytes(), before + (size_t{1} << 20) * sizeof(long) - (4 * sizeof(long)));
}

TEST(ScratchTest, ThreadsHaveTheirOwnBuffers) {
  float* here = scratch::Get<float>(Key::kLrnSums, 16);
  float* there = nullptr;
  std::thread other([&] {
    there = scratch::Get<float>(Key::kLrnSums, 16);
    there[0] = 1.f;
  });
  other.join();
  EXPECT_NE(here, there);
}

}  // namespace
}  // namespace strata
