// time: per-layer forward and backward timings of a net, as `caffe time` prints them.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <vector>

#include "strata/net.hpp"
#include "tool_main.hpp"

DEFINE_string(model, "", "The net definition (.prototxt). Required.");
DEFINE_int32(iterations, 50, "Forward-backward passes to average over.");
DEFINE_string(phase, "TRAIN", "Phase to build the net in: TRAIN or TEST.");
DEFINE_bool(fold_batch_norm, true,
            "In TEST phase with reused activations, run Convolution/InnerProduct + BatchNorm "
            "(+ Scale) chains as one layer (the inference default).");
DEFINE_bool(fuse_batch_norm_chains, true,
            "Run BatchNorm (batch statistics) + Scale (+ ReLU) in-place chains as one pass "
            "forward and two backward (the training default).");
DEFINE_bool(fuse_sum_relu, true,
            "Run Eltwise SUM + in-place ReLU pairs as the sum's passes (the default, training "
            "and inference).");
DEFINE_bool(reuse_activations, true,
            "In TEST phase, hand activation buffers on once read (the inference default).");

namespace {

double Milliseconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "time",
      "times a net, layer by layer.\n"
      "Usage: time --model=net.prototxt [--iterations=50] [--phase=TRAIN|TEST]\n"
      "Runs one warm-up pass, then --iterations forward and backward passes, and prints the\n"
      "average milliseconds of each layer's forward and backward, the totals, and images/s\n"
      "(the first axis of the first layer's first top is taken as the batch size).",
      argc, argv, [](int argc, char**) {
        if (argc > 1) throw strata::tools::UsageError{"unexpected argument"};
        if (FLAGS_model.empty()) throw strata::tools::UsageError{"--model is required"};
        if (FLAGS_iterations < 1) throw strata::tools::UsageError{"--iterations must be >= 1"};
        if (FLAGS_phase != "TRAIN" && FLAGS_phase != "TEST") {
          throw strata::tools::UsageError{"--phase must be TRAIN or TEST"};
        }
        strata::NetOptions options;
        options.reuse_activations = FLAGS_reuse_activations;
        options.fold_batch_norm = FLAGS_fold_batch_norm;
        options.fuse_batch_norm_chains = FLAGS_fuse_batch_norm_chains;
        options.fuse_sum_relu = FLAGS_fuse_sum_relu;
        strata::Net net(FLAGS_model, FLAGS_phase == "TRAIN" ? strata::TRAIN : strata::TEST,
                        options);
        const size_t n = net.layers().size();
        using Clock = std::chrono::steady_clock;
        std::vector<double> forward(n, 0.0), backward(n, 0.0);
        // Warm-up: allocations, prefetch threads. A net that reuses activation
        // memory runs no backward (and no layer of a net without a loss needs one).
        net.Forward();
        if (!net.reuses_activations()) net.Backward();
        double forward_total = 0, backward_total = 0;
        const auto start = Clock::now();
        for (int it = 0; it < FLAGS_iterations; ++it) {
          const auto f0 = Clock::now();
          for (size_t i = 0; i < n; ++i) {
            // A folded chain runs as one layer, timed on its first.
            const size_t last = static_cast<size_t>(net.FoldedRange(static_cast<int>(i)).second);
            const auto t = Clock::now();
            net.ForwardFromTo(static_cast<int>(i), static_cast<int>(last));
            forward[i] += Milliseconds(Clock::now() - t);
            i = last;
          }
          const auto b0 = Clock::now();
          forward_total += Milliseconds(b0 - f0);
          for (size_t j = n; j-- > 0;) {
            if (!net.layer_need_backward()[j] || net.reuses_activations()) continue;
            const auto t = Clock::now();
            net.BackwardFromTo(static_cast<int>(j), static_cast<int>(j));
            // A fused chain's backward runs on its last layer, timed on its first.
            backward[net.FoldedRange(static_cast<int>(j)).first] += Milliseconds(Clock::now() - t);
          }
          backward_total += Milliseconds(Clock::now() - b0);
        }
        const double total = Milliseconds(Clock::now() - start);
        const double iters = FLAGS_iterations;
        std::printf("Average time per layer (%d iterations):\n", FLAGS_iterations);
        for (size_t i = 0; i < n; ++i) {
          std::string algorithm = net.layers()[i]->Algorithm();
          const std::string chain = net.FoldedInto(static_cast<int>(i));
          if (!chain.empty()) {
            const bool first = net.FoldedRange(static_cast<int>(i)).first == static_cast<int>(i);
            algorithm +=
                std::string(algorithm.empty() ? "" : ", ") + (first ? "runs " : "in ") + chain;
          }
          std::printf("%16s   forward: %9.4f ms.%s\n", net.layer_names()[i].c_str(),
                      forward[i] / iters,
                      algorithm.empty() ? "" : ("  [" + algorithm + "]").c_str());
          std::printf("%16s  backward: %9.4f ms.\n", net.layer_names()[i].c_str(),
                      backward[i] / iters);
          if (const int steps = net.layers()[i]->TimeSteps(); steps > 0) {
            std::printf("%16s  per step: %9.4f ms forward, %.4f ms backward (%d steps).\n",
                        net.layer_names()[i].c_str(), forward[i] / iters / steps,
                        backward[i] / iters / steps, steps);
          }
        }
        std::printf("Average Forward pass: %.4f ms.\n", forward_total / iters);
        std::printf("Average Backward pass: %.4f ms.\n", backward_total / iters);
        std::printf("Average Forward-Backward: %.4f ms.\n", total / iters);
        std::printf("Total Time: %.4f ms.\n", total);
        const auto& first_top =
            net.top_vecs().empty() || net.top_vecs()[0].empty() ? nullptr : net.top_vecs()[0][0];
        if (first_top != nullptr && first_top->num_axes() > 0) {
          const double batch = first_top->shape(0);
          std::printf("Throughput: %.1f images/s (batch %d, forward-backward)\n",
                      batch * 1000.0 * iters / total, first_top->shape(0));
        }
        return 0;
      });
}
