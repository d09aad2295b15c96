#include "strata/thread_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace strata {
namespace {

class ThreadPoolTest : public ::testing::Test {
 protected:
  void TearDown() override { SetNumThreads(saved_); }
  const int saved_ = NumThreads();
};

// The chunks ParallelChunks ran, as (begin, end) pairs.
std::set<std::pair<int, int>> ChunksRun(int n, int grain) {
  std::mutex mutex;
  std::set<std::pair<int, int>> chunks;
  std::atomic<int> calls{0};
  ParallelChunks(n, grain, [&](int begin, int end) {
    ++calls;
    std::lock_guard<std::mutex> lock(mutex);
    chunks.emplace(begin, end);
  });
  EXPECT_EQ(calls.load(), static_cast<int>(chunks.size())) << "a chunk ran twice";
  return chunks;
}

TEST_F(ThreadPoolTest, ChunksCoverTheRangeOnceWhateverTheThreadCount) {
  std::set<std::pair<int, int>> expected;
  for (int begin = 0; begin < 1001; begin += 16)
    expected.emplace(begin, std::min(1001, begin + 16));
  for (int threads : {1, 2, 3, 8}) {
    SetNumThreads(threads);
    EXPECT_EQ(ChunksRun(1001, 16), expected) << threads << " threads";
  }
  EXPECT_EQ(ChunksRun(5, 16), (std::set<std::pair<int, int>>{{0, 5}}));
  EXPECT_TRUE(ChunksRun(0, 16).empty());
  EXPECT_EQ(ChunksRun(3, 0),
            (std::set<std::pair<int, int>>{{0, 1}, {1, 2}, {2, 3}}));  // grain >= 1
}

// A thread held up in its first chunk leaves the rest of its share to the
// other thread, which would otherwise idle: with a static split the held-up
// caller would run chunks 1-3 itself after the pause.
TEST_F(ThreadPoolTest, AHeldUpThreadsShareIsTakenOver) {
  SetNumThreads(2);
  const std::thread::id caller = std::this_thread::get_id();
  std::vector<std::thread::id> ran_on(8);
  ParallelChunks(8, 1, [&](int begin, int) {
    if (begin == 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ran_on[begin] = std::this_thread::get_id();
  });
  EXPECT_EQ(ran_on[0], caller);  // the caller's share comes first
  for (int c = 1; c < 4; ++c) EXPECT_NE(ran_on[c], caller) << "chunk " << c;
}

TEST_F(ThreadPoolTest, ExceptionStopsTheHandingOutAndIsRethrown) {
  SetNumThreads(2);
  std::atomic<int> calls{0};
  EXPECT_THROW(ParallelChunks(1000, 1,
                              [&](int begin, int) {
                                ++calls;
                                if (begin == 0) throw std::runtime_error("chunk 0");
                                std::this_thread::sleep_for(std::chrono::microseconds(200));
                              }),
               std::runtime_error);
  EXPECT_LT(calls.load(), 1000);
  EXPECT_EQ(ChunksRun(40, 10).size(), 4u);  // the pool still works
}

// Inside a part of another region the chunks run on that part's thread, in order.
TEST_F(ThreadPoolTest, NestedChunksRunSeriallyInOrder) {
  SetNumThreads(2);
  std::vector<std::vector<int>> order(2);
  std::vector<char> same_thread(2, 1);  // not vector<bool>: its bits share words across threads
  ParallelFor(2, 1, [&](int part, int, int) {
    const std::thread::id self = std::this_thread::get_id();
    ParallelChunks(6, 2, [&](int begin, int) {
      order[part].push_back(begin);
      same_thread[part] = same_thread[part] && std::this_thread::get_id() == self;
    });
  });
  for (int part = 0; part < 2; ++part) {
    EXPECT_EQ(order[part], (std::vector<int>{0, 2, 4})) << part;
    EXPECT_TRUE(same_thread[part]) << part;
  }
}

}  // namespace
}  // namespace strata
