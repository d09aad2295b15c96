// The process's compute threads: one pool that every layer shares, so that
// parallel work never oversubscribes the cores. OpenBLAS is switched to one
// thread when the pool starts; math::Gemm splits large products over the pool
// itself, so the two never fight over the same cores.
//
// ParallelFor splits work statically: part p of P always gets the same range,
// so a run with the same thread count is bit-for-bit repeatable, and a part
// may keep per-part state (partial sums). ParallelChunks hands out fixed
// chunks to whichever thread is free: a thread the system slows down (the
// data prefetcher, another process) takes fewer, so no core idles waiting
// for it. Its chunks must not depend on which thread runs them.
#pragma once

#include <functional>

namespace strata {

// Threads used for compute (default: the hardware's, or $STRATA_NUM_THREADS).
int NumThreads();
// Changes it (>= 1); takes effect for the next parallel region.
void SetNumThreads(int threads);

// Runs fn(part, begin, end) for parts p = 0..P-1 covering [0, n) in order,
// P = min(NumThreads(), ceil(n / min_per_part)); the caller runs part 0.
// Inside a part, nested calls run serially. Exceptions from a part are
// rethrown in the caller (the first part's that threw).
void ParallelFor(int n, int min_per_part,
                 const std::function<void(int part, int begin, int end)>& fn);
// Runs fn(begin, end) over the chunks [k * grain, min(n, (k + 1) * grain))
// of [0, n), each exactly once, in any order and on any of the pool's
// threads (the caller's too). The chunks depend on n and grain only. Inside a
// part of another region they run serially, in order. An exception stops
// the handing out and is rethrown in the caller.
void ParallelChunks(int n, int grain, const std::function<void(int begin, int end)>& fn);
// The grain that cuts [0, n) into about `chunks` chunks of at least
// min_grain items each.
int ChunkGrain(int n, int chunks, int min_grain = 1);
// How many parts ParallelFor(n, min_per_part, ...) would use.
int ParallelParts(int n, int min_per_part);

}  // namespace strata
