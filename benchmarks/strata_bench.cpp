// strata_bench: the figures benchmarks/run.sh sets beside PyTorch's.
//
//   strata_bench --solver=models/fashion_mnist/lenet/solver.prototxt
//       ms per training iteration: forward, forward+backward, full step (with
//       the update), median of --repeats runs of --iters iterations each, in
//       the line format of benchmarks/pytorch_lenet.py; then the GEMM
//       work of one iteration and the sgemm bound at the measured rate.
//   strata_bench --model=models/alexnet/deploy.prototxt
//       a deploy net with random input: forward, and forward+backward through
//       every layer (as with force_backward), median ms.
//   strata_bench --sgemm
//       sgemm GFLOP/s on 1024^3 through math::Gemm (the thread pool).
//   strata_bench --images=JPEG_LMDB
//       images per second out of a Data layer on encoded records (batch 32,
//       centre crop 224, mean values), as `caffe test` on a net of that
//       layer alone measures it; beside it, cv::imdecode alone on one thread
//       over the same records: the least that Caffe's single prefetch thread
//       spends per image (it also parses and transforms).
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <vector>

#include "blob.pb.h"
#include "strata/db.hpp"
#include "strata/errors.hpp"
#include "strata/io.hpp"
#include "strata/math.hpp"
#include "strata/net.hpp"
#include "strata/packed_gemm.hpp"
#include "strata/random.hpp"
#include "strata/solver.hpp"
#include "strata/thread_pool.hpp"
#include "tool_main.hpp"

DEFINE_string(solver, "", "Time training iterations of this solver's net.");
DEFINE_string(model, "", "Time forward and forward+backward of this deploy net.");
DEFINE_bool(inference, false,
            "With --model: time the forward pass of the net built for inference instead (TEST "
            "phase, activations handed on, BatchNorm folded).");
DEFINE_bool(sgemm, false, "Measure sgemm GFLOP/s (1024 x 1024 x 1024).");
DEFINE_int32(iters, 200, "Iterations per repeat.");
DEFINE_int32(repeats, 5, "Repeats (the median is reported).");
DEFINE_int32(warmup, 50, "Iterations before timing.");
DEFINE_string(images, "", "Time a Data layer on this LMDB of encoded images (crop 224).");
DEFINE_int32(threads, 0, "Compute threads (0: the default, all cores).");

namespace {

using Clock = std::chrono::steady_clock;

// Median over repeats of the ms per iteration of `body`.
std::vector<double> Time(const std::function<void()>& body) {
  std::vector<double> runs;
  for (int r = 0; r < FLAGS_repeats; ++r) {
    const auto start = Clock::now();
    for (int i = 0; i < FLAGS_iters; ++i) body();
    runs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count() /
                   FLAGS_iters);
  }
  return runs;
}

void Print(const char* what, std::vector<double> runs) {
  std::vector<double> sorted = runs;
  std::sort(sorted.begin(), sorted.end());
  std::printf("  %-22s ms/iter median=%.3f min=%.3f max=%.3f  all=", what,
              sorted[sorted.size() / 2], sorted.front(), sorted.back());
  for (double t : runs) std::printf("%.3f ", t);
  std::printf("\n");
}

double SgemmGflops() {
  const int n = 1024;
  std::vector<float> a(n * n, 0.5f), b(n * n, 0.25f), c(n * n);
  std::vector<double> rates;
  for (int r = 0; r < 15; ++r) {
    const auto start = Clock::now();
    strata::math::Gemm(false, false, n, n, n, 1.f, a.data(), b.data(), 0.f, c.data());
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    rates.push_back(2.0 * n * n * n / s / 1e9);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

// FLOPs of the products of one forward+backward: each layer with parameters
// (convolution, inner product) does its forward product, the weight gradient,
// and the input gradient where its bottom needs one.
double TrainingGemmFlops(strata::Net& net) {
  double flops = 0;
  for (size_t i = 0; i < net.layers().size(); ++i) {
    const strata::Layer& layer = *net.layers()[i];
    if (layer.blobs().empty() || std::string(layer.type()) == "BatchNorm" ||
        std::string(layer.type()) == "Scale") {
      continue;
    }
    const double forward = layer.ForwardFlops(net.bottom_vecs()[i], net.top_vecs()[i]);
    const bool input_grad =
        !net.bottom_need_backward()[i].empty() && net.bottom_need_backward()[i][0];
    flops += forward * (2 + (input_grad ? 1 : 0));
  }
  return flops;
}

void TimeImages(const std::string& db) {
  constexpr int kBatch = 32;
  strata::NetParameter param;
  strata::LayerParameter* data = param.add_layer();
  data->set_name("data");
  data->set_type("Data");
  data->add_top("data");
  data->add_top("label");
  data->mutable_data_param()->set_source(db);
  data->mutable_data_param()->set_backend(strata::DataParameter::LMDB);
  data->mutable_data_param()->set_batch_size(kBatch);
  strata::TransformationParameter* transform = data->mutable_transform_param();
  transform->set_crop_size(224);
  for (float mean : {104.f, 117.f, 123.f}) transform->add_mean_value(mean);
  param.set_name("images");
  param.mutable_state()->set_phase(strata::TEST);
  strata::Net net(param);
  for (int i = 0; i < FLAGS_warmup; ++i) net.Forward();
  std::printf("bench images threads=%d batch=%d iters/repeat=%d repeats=%d\n", strata::NumThreads(),
              kBatch, FLAGS_iters, FLAGS_repeats);
  std::vector<double> rates;
  for (double ms : Time([&] { net.Forward(); })) rates.push_back(kBatch * 1000.0 / ms);
  std::sort(rates.begin(), rates.end());
  std::printf("  %-22s images/s median=%.0f min=%.0f max=%.0f\n", "data(jpeg,crop224)",
              rates[rates.size() / 2], rates.front(), rates.back());

  auto reader = strata::OpenDbReader(db, strata::DbBackend::kLmdb);
  std::vector<std::string> images;
  reader->First();
  for (size_t i = 0; i < reader->size(); ++i, reader->Next()) {
    strata::Datum datum;
    datum.ParseFromString(reader->value());
    images.push_back(datum.data());
  }
  std::vector<double> decode_rates;
  for (int r = 0; r < FLAGS_repeats; ++r) {
    const auto start = Clock::now();
    for (const std::string& bytes : images) {
      const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                           const_cast<char*>(bytes.data()));
      if (cv::imdecode(buffer, cv::IMREAD_COLOR).empty()) {
        throw strata::DataError(db + ": a record OpenCV cannot decode");
      }
    }
    decode_rates.push_back(images.size() /
                           std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::sort(decode_rates.begin(), decode_rates.end());
  std::printf("  %-22s images/s median=%.0f min=%.0f max=%.0f\n", "imdecode(1 thread)",
              decode_rates[decode_rates.size() / 2], decode_rates.front(), decode_rates.back());
}

}  // namespace

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "strata_bench",
      "times Strata for benchmarks/run.sh.\n"
      "Usage: strata_bench --solver=solver.prototxt | --model=deploy.prototxt | --sgemm |\n"
      "       --images=JPEG_LMDB",
      argc, argv, [](int argc, char**) {
        if (argc > 1) throw strata::tools::UsageError{"unexpected argument"};
        if (FLAGS_threads > 0) strata::SetNumThreads(FLAGS_threads);
        if (FLAGS_sgemm) {
          std::printf("sgemm 1024^3 threads=%d: %.1f GFLOP/s\n", strata::NumThreads(),
                      SgemmGflops());
        }
        if (!FLAGS_solver.empty()) {
          strata::SolverParameter param = strata::ReadSolverParameter(FLAGS_solver);
          // Only the training iterations: no test passes, snapshots or progress lines.
          param.set_test_interval(0);
          param.set_snapshot(0);
          param.set_display(0);
          auto solver = strata::CreateSolver(param);
          strata::Net& net = solver->net();
          solver->Step(FLAGS_warmup);
          std::printf("bench threads=%d batch=%d iters/repeat=%d repeats=%d warmup=%d kernels=%s\n",
                      strata::NumThreads(), net.top_vecs()[0][0]->shape(0), FLAGS_iters,
                      FLAGS_repeats, FLAGS_warmup, strata::math::IsaName(strata::math::GemmIsa()));
          Print("fwd", Time([&] { net.Forward(); }));
          Print("fwd+bwd", Time([&] {
                  net.ClearParamDiffs();
                  net.ForwardBackward();
                }));
          Print("iter(fwd+bwd+update)", Time([&] { solver->Step(1); }));
          const double gflop = TrainingGemmFlops(net) / 1e9;
          const double rate = SgemmGflops();
          std::printf("gemm work %.1f MFLOP per iteration; sgemm %.1f GFLOP/s -> bound %.2f ms\n",
                      gflop * 1e3, rate, gflop / rate * 1e3);
        }
        if (!FLAGS_model.empty() && FLAGS_inference) {
          strata::Net net(FLAGS_model, strata::TEST);
          strata::Rng rng(7);
          for (strata::Blob* input : net.input_blobs()) {
            float* x = input->mutable_data();
            for (int i = 0; i < input->count(); ++i) x[i] = rng.Gaussian(0.f, 1.f);
          }
          for (int i = 0; i < FLAGS_warmup; ++i) net.Forward();
          std::printf(
              "bench %s threads=%d batch=%d iters/repeat=%d repeats=%d kernels=%s "
              "folded=%zu\n",
              net.name().c_str(), strata::NumThreads(), net.input_blobs()[0]->shape(0), FLAGS_iters,
              FLAGS_repeats, strata::math::IsaName(strata::math::GemmIsa()),
              net.folded_layers().size());
          Print("infer", Time([&] { net.Forward(); }));
        } else if (!FLAGS_model.empty()) {
          strata::NetParameter param;
          strata::NetSource source;
          strata::ReadNetParameterFromTextFile(FLAGS_model, &param, &source);
          param.set_force_backward(true);
          param.mutable_state()->set_phase(strata::TRAIN);
          strata::Net net(param, 1701, &source);
          strata::Rng rng(7);
          for (strata::Blob* input : net.input_blobs()) {
            float* x = input->mutable_data();
            for (int i = 0; i < input->count(); ++i) x[i] = rng.Gaussian(0.f, 1.f);
          }
          for (strata::Blob* output : net.output_blobs()) {
            float* dy = output->mutable_diff();
            for (int i = 0; i < output->count(); ++i) dy[i] = rng.Gaussian(0.f, 1e-3f);
          }
          for (int i = 0; i < FLAGS_warmup; ++i) net.ForwardBackward();
          std::printf("bench %s threads=%d batch=%d iters/repeat=%d repeats=%d kernels=%s\n",
                      net.name().c_str(), strata::NumThreads(), net.input_blobs()[0]->shape(0),
                      FLAGS_iters, FLAGS_repeats, strata::math::IsaName(strata::math::GemmIsa()));
          Print("fwd", Time([&] { net.Forward(); }));
          Print("fwd+bwd", Time([&] {
                  net.ClearParamDiffs();
                  net.ForwardBackward();
                }));
        }
        if (!FLAGS_model.empty()) {
          // The process's peak resident memory: the net, its activations and gradients.
          rusage usage{};
          getrusage(RUSAGE_SELF, &usage);
          std::printf("peak RSS %.1f MB\n", usage.ru_maxrss / 1024.0);
        }
        if (!FLAGS_images.empty()) TimeImages(FLAGS_images);
        return 0;
      });
}
