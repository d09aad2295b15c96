#include "strata/thread_pool.hpp"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "strata/errors.hpp"

namespace strata {

namespace {

thread_local bool in_region = false;

// How long an idle worker spins before it sleeps: regions come in quick
// succession (a layer's products, then the next layer), and waking a sleeping
// thread costs tens of microseconds on a virtual machine (the values tried:
// docs/performance-log.md).
constexpr int kSpinMicroseconds = 1000;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

int DefaultThreads() {
  if (const char* env = std::getenv("STRATA_NUM_THREADS")) {
    const int value = std::atoi(env);
    if (value >= 1) return value;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

// Workers sleep on a condition variable between regions; a region hands each
// worker one part, and the caller waits until all are done.
class Pool {
 public:
  static Pool& Get() {
    static Pool* pool = new Pool();  // never destroyed: workers may outlive static teardown
    return *pool;
  }

  int threads() const { return threads_; }
  void set_threads(int threads) {
    std::lock_guard<std::mutex> region(region_mutex_);
    threads_ = threads;
  }

  void Run(int parts, const std::function<void(int)>& part) {
    std::vector<std::exception_ptr> errors(parts);
    // One region at a time; a thread that finds the pool busy (several nets
    // serving in their own threads) runs its parts itself, in order.
    std::unique_lock<std::mutex> region(region_mutex_, std::try_to_lock);
    if (!region.owns_lock()) {
      for (int p = 0; p < parts; ++p) RunPart(p, part, &errors);
      for (auto& error : errors) {
        if (error) std::rethrow_exception(error);
      }
      return;
    }
    EnsureWorkers(parts - 1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &part;
      errors_ = &errors;
      parts_ = parts;
      pending_ = parts - 1;
      ++generation_;
    }
    wake_.notify_all();
    RunPart(0, part, &errors);
    SpinWhile([&] { return pending_.load(std::memory_order_acquire) != 0; });
    {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [&] { return pending_ == 0; });
      task_ = nullptr;
    }
    for (auto& error : errors) {
      if (error) std::rethrow_exception(error);
    }
  }

 private:
  Pool() : threads_(DefaultThreads()) {
    // Our parallelism replaces OpenBLAS's own threads (which would otherwise
    // compete with the pool for the same cores).
    openblas_set_num_threads(1);
  }

  // Busy-waits up to kSpinMicroseconds while `condition` holds.
  template <typename Condition>
  static void SpinWhile(const Condition& condition) {
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicroseconds);
    while (condition()) {
      for (int i = 0; i < 64; ++i) CpuRelax();
      // Let another runnable thread of the process (the data prefetcher) have
      // the core; without it the prefetcher waits for a preemption.
      std::this_thread::yield();
      if (std::chrono::steady_clock::now() > until) return;
    }
  }

  static void RunPart(int p, const std::function<void(int)>& part,
                      std::vector<std::exception_ptr>* errors) {
    in_region = true;
    try {
      part(p);
    } catch (...) {
      (*errors)[p] = std::current_exception();
    }
    in_region = false;
  }

  void EnsureWorkers(int count) {
    while (static_cast<int>(workers_.size()) < count) {
      const int index = static_cast<int>(workers_.size()) + 1;  // part index it serves
      workers_.emplace_back([this, index] { WorkerLoop(index); });
      workers_.back().detach();
    }
  }

  void WorkerLoop(int index) {
    long long seen = 0;
    for (;;) {
      const std::function<void(int)>* task;
      std::vector<std::exception_ptr>* errors;
      // Regions come in quick succession (a layer's GEMMs, the next layer):
      // spin a little before sleeping, which costs a wake-up of ~10 us or more.
      SpinWhile([&] { return generation_.load(std::memory_order_acquire) == seen; });
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (index >= parts_) continue;  // not needed this time
        task = task_;
        errors = errors_;
      }
      RunPart(index, *task, errors);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }

  int threads_;
  std::mutex region_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* task_ = nullptr;
  std::vector<std::exception_ptr>* errors_ = nullptr;
  int parts_ = 0;
  std::atomic<int> pending_{0};
  std::atomic<long long> generation_{0};
};

}  // namespace

int NumThreads() { return Pool::Get().threads(); }

void SetNumThreads(int threads) {
  if (threads < 1)
    throw ConfigError("the thread count must be at least 1, got " + std::to_string(threads));
  Pool::Get().set_threads(threads);
}

int ParallelParts(int n, int min_per_part) {
  if (n <= 0) return 0;
  if (in_region) return 1;
  const int by_size = (n + std::max(min_per_part, 1) - 1) / std::max(min_per_part, 1);
  return std::max(1, std::min(NumThreads(), by_size));
}

void ParallelFor(int n, int min_per_part,
                 const std::function<void(int part, int begin, int end)>& fn) {
  const int parts = ParallelParts(n, min_per_part);
  if (parts == 0) return;
  auto range = [&](int p) {
    const long long begin = static_cast<long long>(n) * p / parts;
    const long long end = static_cast<long long>(n) * (p + 1) / parts;
    fn(p, static_cast<int>(begin), static_cast<int>(end));
  };
  if (parts == 1) {  // nested calls inside may still use the pool
    range(0);
    return;
  }
  Pool::Get().Run(parts, range);
}

int ChunkGrain(int n, int chunks, int min_grain) {
  return std::max(min_grain, (n + std::max(chunks, 1) - 1) / std::max(chunks, 1));
}

// Each part starts with its own share of the chunks, in order (the same images
// as ParallelFor's part, so data a thread left in its cache in the previous
// layer is read there again), and when its share is done takes the chunks
// still waiting in the other parts' shares.
void ParallelChunks(int n, int grain, const std::function<void(int begin, int end)>& fn) {
  if (n <= 0) return;
  grain = std::max(grain, 1);
  const int chunks = static_cast<int>((static_cast<long long>(n) + grain - 1) / grain);
  const int parts = ParallelParts(chunks, 1);
  struct alignas(64) Share {
    std::atomic<int> next{0};
    int end = 0;
  };
  std::vector<Share> shares(parts);
  for (int p = 0; p < parts; ++p) {
    shares[p].next = static_cast<int>(static_cast<long long>(chunks) * p / parts);
    shares[p].end = static_cast<int>(static_cast<long long>(chunks) * (p + 1) / parts);
  }
  std::atomic<bool> failed{false};
  ParallelFor(parts, 1, [&](int part, int, int) {
    for (int q = 0; q < parts && !failed.load(std::memory_order_relaxed); ++q) {
      Share& share = shares[(part + q) % parts];
      for (int c = share.next.fetch_add(1, std::memory_order_relaxed); c < share.end;
           c = share.next.fetch_add(1, std::memory_order_relaxed)) {
        if (failed.load(std::memory_order_relaxed)) return;
        const long long begin = static_cast<long long>(c) * grain;
        try {
          fn(static_cast<int>(begin), static_cast<int>(std::min<long long>(n, begin + grain)));
        } catch (...) {
          failed.store(true, std::memory_order_relaxed);  // the other threads stop too
          throw;
        }
      }
    }
  });
}

}  // namespace strata
