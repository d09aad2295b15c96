// The process's compute threads: one pool that every layer shares, so that
// parallel work never oversubscribes the cores. OpenBLAS is switched to one
// thread when the pool starts; math::Gemm splits large products over the pool
// itself, so the two never fight over the same cores.
//
// Work is split statically: part p of P always gets the same range, so a run
// with the same thread count is bit-for-bit repeatable.
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
// How many parts ParallelFor(n, min_per_part, ...) would use.
int ParallelParts(int n, int min_per_part);
// True on a thread currently running a part of a parallel region.
bool InParallelRegion();

}  // namespace strata
