// Data-parallel training on MPI (docs/distributed.md): `mpirun -np N train`.
//
// Every rank builds the same solver over its DataShard (rank r of N reads
// examples r*B .. (r+1)*B-1 of every N*B), so N ranks with batch B train as
// one process with batch N*B. Per iteration:
//   - during backward, each bucket of parameter gradients is summed across
//     ranks by a non-blocking allreduce as soon as the layers that write it
//     are done (the net's backward observer), overlapping the layers below;
//   - after backward, every rank reports to rank 0 (its loss and any signal it
//     got) and rank 0 answers with the mean loss and the action all take;
//   - the gradients are then waited for and divided by N: every rank applies
//     the same update to the same weights.
// Rank 0 alone logs and writes snapshots. Every wait has a deadline: a rank
// that hangs or died makes the others stop with a message naming it. Sums
// are taken in a fixed order, so two runs with the same seed and N agree bit
// for bit.
//
// Built where CMake finds MPI (STRATA_HAVE_MPI); only tools/train links it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/solver.hpp"

namespace strata {

struct MpiOptions {
  // Seconds a rank waits for the others at a synchronisation point before it
  // names the ranks missing and stops them all.
  double timeout_seconds = 30;
  // Gradients are sent in buckets of at least this many bytes.
  size_t bucket_bytes = 1u << 20;
  // Start each bucket's allreduce during backward (false: all after it, to
  // measure what the overlap gains).
  bool overlap = true;
};

// Measured over a run, for tools/train's summary and the benchmarks.
struct MpiStats {
  int iterations = 0;
  double bytes_per_iteration = 0;
  int buckets = 0;
  // Seconds spent after backward waiting for the gradients (the part of the
  // allreduce that backward did not hide), in all.
  double wait_seconds = 0;
};

class MpiRun : public ParallelRun {
 public:
  // Whether this process was started by mpirun (or another MPI launcher).
  static bool Launched();
  // Starts MPI; the process is rank rank() of size().
  MpiRun(int* argc, char*** argv, const MpiOptions& options);
  ~MpiRun() override;
  MpiRun(const MpiRun&) = delete;
  MpiRun& operator=(const MpiRun&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  DataShard shard() const override { return {rank_, size_}; }

  // Rank 0's value, on every rank (a random seed chosen by the clock).
  uint64_t Broadcast(uint64_t value);
  // After the solver is built, restored or given --weights: checks that every
  // rank has the same solver, nets and data (ConfigError on rank 0, naming the
  // rank and what differs), copies rank 0's weights to all, and hooks the
  // gradient exchange into the train net's backward.
  void Attach(Solver* solver);

  Agreed ExchangeGradients(float loss, int action) override;
  void SumOverRanks(std::vector<double>* values) override;

  // Prints `message` (once, from this rank) and ends every rank (MPI_Abort).
  [[noreturn]] void Abort(const std::string& message);

  const MpiStats& stats() const { return stats_; }

 private:
  struct Bucket;
  // What each rank reports for the start-up check: one line per fact.
  std::vector<std::string> Fingerprint(const Solver& solver) const;
  void CheckAgreement(const Solver& solver);
  void BroadcastWeights(const Solver& solver);
  void PlanBuckets(const Net& net);
  void OnBackward(int layer_index);
  void StartBucket(Bucket* bucket);
  void WaitBuckets();
  // After a wait ran out: asks every rank whether it still runs, and stops
  // them all naming those that do not answer.
  [[noreturn]] void StopForSilentRanks(const char* point);
  // Stops every rank, naming `ranks` as the ones that did not respond.
  [[noreturn]] void StopNaming(const std::vector<int>& ranks, const char* point);
  // "the gradient exchange of iteration 57": the point, with the iteration once training runs.
  std::string Describe(const char* point) const;
  // Rank 0 gathers `values` from every rank (in rank order), `combine`s them,
  // and sends the result back; each wait has the deadline. `point` names the
  // synchronisation point in messages.
  void GatherAndShare(std::vector<double>* values, const char* point,
                      void (*combine)(std::vector<double>* into, const std::vector<double>& from));

  MpiOptions options_;
  int rank_ = 0, size_ = 1;
  Solver* solver_ = nullptr;
  std::vector<std::unique_ptr<Bucket>> buckets_;
  size_t next_bucket_ = 0;  // the first bucket not yet started this iteration
  int pass_ = 0;            // backward passes so far this iteration (iter_size)
  int iteration_ = 0;
  MpiStats stats_;
};

}  // namespace strata
