#include "strata/distributed/mpi_run.hpp"

#include <glog/logging.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "strata/errors.hpp"
#include "strata/solvers/sgd_solver.hpp"

namespace strata {

namespace {

constexpr int kControlTag = 1;
constexpr int kTextTag = 2;
// A rank whose wait ran out asks the others whether they still run: every
// rank that waits answers, so the ranks that do not are the ones to name.
constexpr int kPingTag = 3;
constexpr int kPongTag = 4;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void AnswerPings() {
  int pinged = 0;
  MPI_Status status;
  MPI_Iprobe(MPI_ANY_SOURCE, kPingTag, MPI_COMM_WORLD, &pinged, &status);
  while (pinged) {
    int ping = 0;
    MPI_Recv(&ping, 1, MPI_INT, status.MPI_SOURCE, kPingTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Send(&ping, 1, MPI_INT, status.MPI_SOURCE, kPongTag, MPI_COMM_WORLD);
    MPI_Iprobe(MPI_ANY_SOURCE, kPingTag, MPI_COMM_WORLD, &pinged, &status);
  }
}

// Polls `requests` until all are done or `deadline` passes; returns the
// indices still open. Polling drives MPI's progress (there is no progress
// thread); after a short spin it sleeps between polls so that a waiting rank
// leaves its core to the threads of a rank still computing.
std::vector<int> WaitUntil(std::vector<MPI_Request>* requests, double deadline) {
  const double start = Now();
  while (true) {
    AnswerPings();
    std::vector<int> open;
    for (size_t i = 0; i < requests->size(); ++i) {
      MPI_Request& request = (*requests)[i];
      if (request == MPI_REQUEST_NULL) continue;
      int done = 0;
      MPI_Test(&request, &done, MPI_STATUS_IGNORE);
      if (!done) open.push_back(static_cast<int>(i));
    }
    const double now = Now();
    if (open.empty() || now > deadline) return open;
    if (now - start > 1e-3) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

std::string RankList(const std::vector<int>& ranks) {
  std::string text = ranks.size() == 1 ? "rank " : "ranks ";
  for (size_t i = 0; i < ranks.size(); ++i) text += (i ? ", " : "") + std::to_string(ranks[i]);
  return text;
}

uint64_t Fnv1a(const std::string& bytes, uint64_t hash = 1469598103934665603ull) {
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

std::string Hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(value));
  return text;
}

// A net's structure: every layer's name and type, and the shapes of its
// parameters and tops (weights differ until rank 0's are broadcast).
std::string NetFingerprint(const Net& net) {
  std::string text;
  for (size_t i = 0; i < net.layers().size(); ++i) {
    const Layer& layer = *net.layers()[i];
    text += net.layer_names()[i] + ":" + layer.type();
    for (const auto& blob : layer.blobs()) text += " p" + blob->shape_string();
    for (const Blob* top : net.top_vecs()[i]) text += " t" + top->shape_string();
    text += ";";
  }
  return Hex(Fnv1a(text)) + " (" + std::to_string(net.layers().size()) + " layers)";
}

void SumInto(std::vector<double>* into, const std::vector<double>& from) {
  for (size_t i = 0; i < into->size(); ++i) (*into)[i] += from[i];
}

// values[0]: the loss, summed; values[1]: the action, where stop wins over snapshot.
void CombineControl(std::vector<double>* into, const std::vector<double>& from) {
  (*into)[0] += from[0];
  const int a = static_cast<int>((*into)[1]);
  const int b = static_cast<int>(from[1]);
  const int stop = static_cast<int>(Solver::Action::kStop);
  (*into)[1] = (a == stop || b == stop) ? stop : std::max(a, b);
}

}  // namespace

struct MpiRun::Bucket {
  std::vector<float> buffer;
  struct Part {
    Blob* blob;
    size_t offset;
  };
  std::vector<Part> parts;
  int ready_layer = 0;  // backward has finished every part once past this layer
  MPI_Request request = MPI_REQUEST_NULL;
};

bool MpiRun::Launched() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

MpiRun::MpiRun(int* argc, char*** argv, const MpiOptions& options) : options_(options) {
  int provided = 0;
  // Only the main thread calls MPI; the pools and prefetch threads never do.
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiRun::~MpiRun() { MPI_Finalize(); }

void MpiRun::Abort(const std::string& message) {
  std::cerr << "train: error: rank " << rank_ << " of " << size_ << ": " << message << std::endl;
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);
}

std::string MpiRun::Describe(const char* point) const {
  return solver_ ? point + std::string(" of iteration ") + std::to_string(solver_->iter()) : point;
}

void MpiRun::StopNaming(const std::vector<int>& ranks, const char* point) {
  Abort(RankList(ranks) + " did not respond at " + Describe(point) + " within " +
        std::to_string(static_cast<int>(options_.timeout_seconds)) +
        " s (hung, stopped, or died); stopping every rank");
}

void MpiRun::StopForSilentRanks(const char* point) {
  std::vector<int> pings(size_, 1), pongs(size_, 0);
  std::vector<MPI_Request> sends(size_, MPI_REQUEST_NULL), replies(size_, MPI_REQUEST_NULL);
  for (int r = 0; r < size_; ++r) {
    if (r == rank_) continue;
    MPI_Isend(&pings[r], 1, MPI_INT, r, kPingTag, MPI_COMM_WORLD, &sends[r]);
    MPI_Irecv(&pongs[r], 1, MPI_INT, r, kPongTag, MPI_COMM_WORLD, &replies[r]);
  }
  const std::vector<int> silent =
      WaitUntil(&replies, Now() + std::min(5.0, options_.timeout_seconds));
  if (silent.empty()) {
    Abort(Describe(point) + " did not finish within " +
          std::to_string(static_cast<int>(options_.timeout_seconds)) +
          " s, though every rank answers; stopping every rank");
  }
  StopNaming(silent, point);
}

uint64_t MpiRun::Broadcast(uint64_t value) {
  std::vector<MPI_Request> request(1);
  MPI_Ibcast(&value, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD, &request[0]);
  if (!WaitUntil(&request, Now() + options_.timeout_seconds).empty()) {
    StopForSilentRanks("the start-up broadcast");
  }
  return value;
}

void MpiRun::GatherAndShare(std::vector<double>* values, const char* point,
                            void (*combine)(std::vector<double>*, const std::vector<double>&)) {
  const double deadline = Now() + options_.timeout_seconds;
  const int n = static_cast<int>(values->size());
  if (rank_ != 0) {
    std::vector<MPI_Request> requests(2);
    std::vector<double> mine = *values;
    MPI_Isend(mine.data(), n, MPI_DOUBLE, 0, kControlTag, MPI_COMM_WORLD, &requests[0]);
    MPI_Irecv(values->data(), n, MPI_DOUBLE, 0, kControlTag, MPI_COMM_WORLD, &requests[1]);
    if (!WaitUntil(&requests, deadline).empty()) StopForSilentRanks(point);
    return;
  }
  std::vector<std::vector<double>> received(size_, std::vector<double>(n));
  std::vector<MPI_Request> requests(size_, MPI_REQUEST_NULL);
  for (int r = 1; r < size_; ++r) {
    MPI_Irecv(received[r].data(), n, MPI_DOUBLE, r, kControlTag, MPI_COMM_WORLD, &requests[r]);
  }
  const std::vector<int> open = WaitUntil(&requests, deadline);
  if (!open.empty()) StopNaming(open, point);
  // In rank order, so that every run sums the same way.
  for (int r = 1; r < size_; ++r) combine(values, received[r]);
  std::vector<MPI_Request> sends(size_, MPI_REQUEST_NULL);
  for (int r = 1; r < size_; ++r) {
    MPI_Isend(values->data(), n, MPI_DOUBLE, r, kControlTag, MPI_COMM_WORLD, &sends[r]);
  }
  const std::vector<int> unsent = WaitUntil(&sends, Now() + options_.timeout_seconds);
  if (!unsent.empty()) StopForSilentRanks(point);
}

void MpiRun::SumOverRanks(std::vector<double>* values) {
  GatherAndShare(values, "the sum of test outputs", SumInto);
}

std::vector<std::string> MpiRun::Fingerprint(const Solver& solver) const {
  std::vector<std::string> lines;
  std::string solver_bytes;
  solver.param().SerializeToString(&solver_bytes);
  lines.push_back("solver definition " + Hex(Fnv1a(solver_bytes)));
  for (size_t n = 0; n <= solver.test_nets().size(); ++n) {
    const Net& net = n == 0 ? solver.net() : *solver.test_nets()[n - 1];
    const std::string name = n == 0 ? "train net" : "test net #" + std::to_string(n - 1);
    lines.push_back(name + " " + NetFingerprint(net));
    for (size_t i = 0; i < net.layers().size(); ++i) {
      const std::string data = net.layers()[i]->DataSummary();
      if (!data.empty()) lines.push_back(name + " layer '" + net.layer_names()[i] + "': " + data);
    }
  }
  return lines;
}

void MpiRun::CheckAgreement(const Solver& solver) {
  const std::vector<std::string> lines = Fingerprint(solver);
  std::string mine;
  for (const std::string& line : lines) mine += line + "\n";
  const double deadline = Now() + options_.timeout_seconds;
  if (rank_ != 0) {
    int length = static_cast<int>(mine.size());
    std::vector<MPI_Request> requests(2);
    MPI_Isend(&length, 1, MPI_INT, 0, kTextTag, MPI_COMM_WORLD, &requests[0]);
    MPI_Isend(mine.data(), length, MPI_CHAR, 0, kTextTag, MPI_COMM_WORLD, &requests[1]);
    if (!WaitUntil(&requests, deadline).empty()) StopForSilentRanks("the start-up check");
  } else {
    std::vector<int> lengths(size_, 0);
    std::vector<MPI_Request> requests(size_, MPI_REQUEST_NULL);
    for (int r = 1; r < size_; ++r) {
      MPI_Irecv(&lengths[r], 1, MPI_INT, r, kTextTag, MPI_COMM_WORLD, &requests[r]);
    }
    std::vector<int> open = WaitUntil(&requests, deadline);
    if (!open.empty()) StopForSilentRanks("the start-up check");
    std::vector<std::string> texts(size_);
    for (int r = 1; r < size_; ++r) {
      texts[r].resize(lengths[r]);
      MPI_Irecv(texts[r].data(), lengths[r], MPI_CHAR, r, kTextTag, MPI_COMM_WORLD, &requests[r]);
    }
    open = WaitUntil(&requests, deadline);
    if (!open.empty()) StopForSilentRanks("the start-up check");
    for (int r = 1; r < size_; ++r) {
      if (texts[r] == mine) continue;
      std::vector<std::string> theirs;
      for (size_t begin = 0, end; begin < texts[r].size(); begin = end + 1) {
        end = texts[r].find('\n', begin);
        theirs.push_back(texts[r].substr(begin, end - begin));
      }
      for (size_t i = 0; i < std::max(lines.size(), theirs.size()); ++i) {
        const std::string a = i < lines.size() ? lines[i] : "(nothing)";
        const std::string b = i < theirs.size() ? theirs[i] : "(nothing)";
        if (a == b) continue;
        Abort("rank " + std::to_string(r) + " disagrees with rank 0: it has " + b +
              " where rank 0 has " + a +
              "; every rank must run the same solver and nets on the same data");
      }
    }
  }
  // Every rank waits here until rank 0 has compared (or stopped them all).
  std::vector<double> done{0};
  GatherAndShare(&done, "the start-up check", SumInto);
}

void MpiRun::BroadcastWeights(const Solver& solver) {
  std::vector<Blob*> blobs = solver.net().learnable_params();
  // The solver's history too: a resumed run's momentum must match rank 0's.
  if (const auto* sgd = dynamic_cast<const SGDSolver*>(&solver)) {
    for (const auto& blob : sgd->history()) blobs.push_back(blob.get());
  }
  std::vector<MPI_Request> requests(blobs.size());
  for (size_t i = 0; i < blobs.size(); ++i) {
    MPI_Ibcast(blobs[i]->mutable_data(), blobs[i]->count(), MPI_FLOAT, 0, MPI_COMM_WORLD,
               &requests[i]);
  }
  if (!WaitUntil(&requests, Now() + options_.timeout_seconds).empty()) {
    StopForSilentRanks("the broadcast of rank 0's weights");
  }
}

void MpiRun::PlanBuckets(const Net& net) {
  const auto& params = net.learnable_params();
  const auto& layers = net.learnable_param_layers();
  std::vector<int> order;
  for (size_t k = 0; k < params.size(); ++k) {
    // A parameter that is not learned (lr_mult 0: BatchNorm's statistics) stays per rank.
    if (net.params_lr()[k] != 0.f) order.push_back(static_cast<int>(k));
  }
  // In the order backward finishes them: from the last layer down.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return layers[a] > layers[b]; });
  buckets_.clear();
  for (int k : order) {
    if (buckets_.empty() ||
        buckets_.back()->buffer.size() * sizeof(float) >= options_.bucket_bytes) {
      buckets_.push_back(std::make_unique<Bucket>());
      buckets_.back()->ready_layer = layers[k];
    }
    Bucket& bucket = *buckets_.back();
    bucket.parts.push_back({params[k], bucket.buffer.size()});
    bucket.buffer.resize(bucket.buffer.size() + params[k]->count());
    bucket.ready_layer = std::min(bucket.ready_layer, layers[k]);
  }
  size_t bytes = 0;
  for (const auto& bucket : buckets_) bytes += bucket->buffer.size() * sizeof(float);
  stats_.buckets = static_cast<int>(buckets_.size());
  stats_.bytes_per_iteration = static_cast<double>(bytes);
  LOG(INFO) << "Data-parallel training on " << size_ << " ranks: " << bytes / 1e6
            << " MB of gradients per iteration in " << buckets_.size() << " bucket(s), batch "
            << size_ << " x the net's";
}

void MpiRun::Attach(Solver* solver) {
  CheckAgreement(*solver);
  BroadcastWeights(*solver);
  solver_ = solver;  // from here on, messages name the iteration
  PlanBuckets(solver->net());
  if (options_.overlap) {
    solver->net().SetBackwardObserver([this](int layer) { OnBackward(layer); });
  }
}

void MpiRun::StartBucket(Bucket* bucket) {
  for (const Bucket::Part& part : bucket->parts) {
    std::copy(part.blob->diff(), part.blob->diff() + part.blob->count(),
              bucket->buffer.begin() + static_cast<std::ptrdiff_t>(part.offset));
  }
  MPI_Iallreduce(MPI_IN_PLACE, bucket->buffer.data(), static_cast<int>(bucket->buffer.size()),
                 MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &bucket->request);
}

void MpiRun::OnBackward(int layer_index) {
  // Only the iteration's last backward pass completes the gradients (iter_size).
  if (pass_ == solver_->param().iter_size() - 1) {
    while (next_bucket_ < buckets_.size() && buckets_[next_bucket_]->ready_layer >= layer_index) {
      StartBucket(buckets_[next_bucket_++].get());
    }
    // Testing the oldest transfer still open drives them all (MPI has no
    // progress thread) while the layers below compute.
    const auto open = std::find_if(buckets_.begin(), buckets_.begin() + next_bucket_,
                                   [](const auto& b) { return b->request != MPI_REQUEST_NULL; });
    if (open != buckets_.begin() + next_bucket_) {
      int done = 0;
      MPI_Test(&(*open)->request, &done, MPI_STATUS_IGNORE);
    }
  }
  if (layer_index == 0) ++pass_;
}

void MpiRun::WaitBuckets() {
  std::vector<MPI_Request> requests;
  for (const auto& bucket : buckets_) requests.push_back(bucket->request);
  if (!WaitUntil(&requests, Now() + options_.timeout_seconds).empty()) {
    StopForSilentRanks("the gradient allreduce");
  }
  const float scale = 1.f / static_cast<float>(size_);
  for (const auto& bucket : buckets_) {
    bucket->request = MPI_REQUEST_NULL;
    for (const Bucket::Part& part : bucket->parts) {
      const float* sum = bucket->buffer.data() + part.offset;
      float* diff = part.blob->mutable_diff();
      for (int i = 0; i < part.blob->count(); ++i) diff[i] = sum[i] * scale;
    }
  }
}

ParallelRun::Agreed MpiRun::ExchangeGradients(float loss, int action) {
  const double start = Now();
  while (next_bucket_ < buckets_.size()) StartBucket(buckets_[next_bucket_++].get());
  std::vector<double> control{loss, static_cast<double>(action)};
  GatherAndShare(&control, "the gradient exchange", CombineControl);
  WaitBuckets();
  next_bucket_ = 0;
  pass_ = 0;
  ++stats_.iterations;
  stats_.wait_seconds += Now() - start;
  return {static_cast<float>(control[0] / size_), static_cast<int>(control[1])};
}

}  // namespace strata
