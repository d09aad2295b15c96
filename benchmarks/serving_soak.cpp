// serving_soak: threads sharing one trained net's weights classify for a
// fixed count of requests; reports throughput, latency percentiles and the
// resident memory after warm-up and at the end (a server must not grow).
// Every answer is checked against the single-threaded one for its input.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "strata/errors.hpp"
#include "strata/net.hpp"
#include "tool_main.hpp"

DEFINE_string(model, "models/fashion_mnist/lenet/deploy.prototxt", "Deploy net with one Input.");
DEFINE_string(weights, "", "Trained weights. Required.");
DEFINE_int32(threads, 8, "Serving threads, each with its own Net sharing the weights.");
DEFINE_int32(requests, 20000, "Requests in all (one image each), after a warm-up of 5 %.");
DEFINE_int32(inputs, 64, "Distinct inputs the requests cycle through.");

namespace {

long ResidentKb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::vector<float> Run(strata::Net* net, const std::vector<float>& input) {
  strata::Blob* in = net->input_blobs()[0];
  std::copy(input.begin(), input.end(), in->mutable_data());
  net->Forward();
  const strata::Blob* out = net->output_blobs()[0];
  return std::vector<float>(out->data(), out->data() + out->count());
}

double Percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(fraction * values.size()));
  std::nth_element(values.begin(), values.begin() + static_cast<long>(k), values.end());
  return values[k];
}

}  // namespace

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "serving_soak",
      "soaks a net served by many threads sharing one copy of its weights.\n"
      "Usage: serving_soak --weights=w.caffemodel [--model=deploy.prototxt] [--threads=8]\n"
      "       [--requests=20000]\n"
      "Prints requests/s, p50/p99 latency and RSS after warm-up and at the end; exits 1\n"
      "if any answer differs from the single-threaded one.",
      argc, argv, [](int argc, char**) {
        if (argc > 1) throw strata::tools::UsageError{"unexpected argument"};
        if (FLAGS_weights.empty()) throw strata::tools::UsageError{"--weights is required"};
        if (FLAGS_threads < 1 || FLAGS_requests < FLAGS_threads || FLAGS_inputs < 1) {
          throw strata::tools::UsageError{"--threads, --inputs >= 1 and --requests >= --threads"};
        }
        strata::Net master(FLAGS_model, strata::TEST);
        master.CopyTrainedLayersFrom(FLAGS_weights);
        if (master.input_blobs().size() != 1) {
          throw strata::ConfigError(FLAGS_model + ": needs exactly one Input");
        }
        strata::Blob* input = master.input_blobs()[0];
        std::vector<int> shape = input->shape();
        shape[0] = 1;
        input->Reshape(shape);
        master.Reshape();
        std::mt19937 rng(5);
        std::uniform_real_distribution<float> pixel(0.f, 1.f);
        std::vector<std::vector<float>> inputs(FLAGS_inputs), expected(FLAGS_inputs);
        for (int i = 0; i < FLAGS_inputs; ++i) {
          inputs[i].resize(input->count());
          for (float& v : inputs[i]) v = pixel(rng);
          expected[i] = Run(&master, inputs[i]);
        }
        std::vector<std::unique_ptr<strata::Net>> workers;
        for (int t = 0; t < FLAGS_threads; ++t) {
          workers.push_back(std::make_unique<strata::Net>(FLAGS_model, strata::TEST));
          workers.back()->ShareTrainedLayersWith(master);
          workers.back()->input_blobs()[0]->Reshape(shape);
          workers.back()->Reshape();
        }
        // Warm-up (every thread's first requests size its buffers and malloc
        // arena), then the measured requests: two rounds of the same threads.
        const int warmup = std::max(FLAGS_threads * 50, FLAGS_requests / 20);
        std::atomic<int> mismatches{0};
        std::vector<std::vector<double>> latencies(FLAGS_threads);
        using Clock = std::chrono::steady_clock;
        auto round = [&](int count, bool measure) {
          std::atomic<int> next{0};
          std::vector<std::thread> threads;
          for (int t = 0; t < FLAGS_threads; ++t) {
            threads.emplace_back([&, t] {
              for (int r; (r = next.fetch_add(1)) < count;) {
                const auto begin = Clock::now();
                const auto answer = Run(workers[t].get(), inputs[r % FLAGS_inputs]);
                const double ms =
                    std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
                if (measure) latencies[t].push_back(ms);
                if (answer != expected[r % FLAGS_inputs]) ++mismatches;
              }
            });
          }
          for (auto& thread : threads) thread.join();
        };
        round(warmup, false);
        const long rss_after_warmup = ResidentKb();
        const auto start = Clock::now();
        round(FLAGS_requests, true);
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        const long rss_end = ResidentKb();
        std::vector<double> all;
        for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
        std::printf("threads %d, requests %d (+%d warm-up), %.0f requests/s\n", FLAGS_threads,
                    FLAGS_requests, warmup, FLAGS_requests / seconds);
        std::printf("latency p50 %.3f ms, p99 %.3f ms\n", Percentile(all, 0.5),
                    Percentile(all, 0.99));
        std::printf("rss after warm-up %ld KB, at end %ld KB, growth %ld KB\n", rss_after_warmup,
                    rss_end, rss_end - rss_after_warmup);
        std::printf("mismatches %d\n", mismatches.load());
        return mismatches.load() == 0 ? 0 : 1;
      });
}
