// test: runs a trained net in TEST phase and averages its outputs.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <iostream>

#include "strata/errors.hpp"
#include "strata/solver.hpp"
#include "tool_main.hpp"

DEFINE_string(model, "", "The net definition (.prototxt). Required.");
DEFINE_string(weights, "", "Trained weights (.caffemodel). Required.");
DEFINE_int32(iterations, 50, "Number of batches to run.");
DEFINE_string(stage, "", "Comma-separated NetState stages.");
DEFINE_int32(level, 0, "NetState level.");

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "test",
      "scores a trained net.\n"
      "Usage: test --model=train_val.prototxt --weights=w.caffemodel [--iterations=N]\n"
      "Runs N forward passes in TEST phase and prints each output averaged over them.",
      argc, argv, [](int argc, char**) {
        if (argc > 1) throw strata::tools::UsageError{"unexpected argument"};
        if (FLAGS_model.empty()) throw strata::tools::UsageError{"--model is required"};
        if (FLAGS_weights.empty()) throw strata::tools::UsageError{"--weights is required"};
        if (FLAGS_iterations < 1) throw strata::tools::UsageError{"--iterations must be >= 1"};
        const strata::NetOptions options =
            strata::tools::NetOptionsFromFlags(FLAGS_stage, FLAGS_level);
        strata::Net net(FLAGS_model, strata::TEST, options);
        if (net.layers().empty()) {
          throw strata::ConfigError(FLAGS_model +
                                    ": no layer is in the TEST phase (the include/exclude rules "
                                    "leave none, or check --stage/--level); nothing to test");
        }
        if (net.output_blobs().empty()) {
          throw strata::ConfigError(FLAGS_model +
                                    ": the TEST net has no outputs to report (every "
                                    "top is consumed by a later layer)");
        }
        net.CopyTrainedLayersFrom(FLAGS_weights);
        LOG(INFO) << "Running " << FLAGS_iterations << " iterations";
        const auto results = strata::AverageOutputs(net, FLAGS_iterations);
        for (const auto& r : results) {
          std::cout << r.name << " = " << r.value;
          if (r.loss_weight != 0.f) {
            std::cout << " (* " << r.loss_weight << " = " << r.loss_weight * r.value << " loss)";
          }
          std::cout << "\n";
        }
        return 0;
      });
}
