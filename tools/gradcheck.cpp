// gradcheck: the numerical gradient check of every layer of a user's net.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "strata/errors.hpp"
#include "strata/gradient_check.hpp"
#include "strata/net.hpp"
#include "tool_main.hpp"

DEFINE_string(model, "", "The net definition (.prototxt). Required.");
DEFINE_string(layer, "", "Check only this layer (default: every layer with a gradient).");
DEFINE_string(weights, "", "Optional trained weights to check at instead of the fillers'.");
DEFINE_string(phase, "TRAIN", "Phase to build the net in: TRAIN or TEST.");
DEFINE_string(stage, "", "Comma-separated NetState stages.");
DEFINE_int32(level, 0, "NetState level.");
DEFINE_double(stepsize, 1e-2, "Central-difference step h.");
DEFINE_double(threshold, 1e-3, "Allowed |analytic - numeric| relative to max(|a|, |n|, 1).");
DEFINE_bool(skip_kinks, true,
            "Skip elements where the forward itself is not differentiable (one-sided slopes "
            "disagree: ReLU at 0, tied maxima in max pooling); they are counted as skipped.");
DEFINE_bool(rounding_floor, true,
            "Widen the tolerance to the float rounding noise of the objective over big tops.");
DEFINE_int32(max_checks, 200,
             "Elements checked per blob, evenly spread (0: every element; slow on big blobs).");

namespace {

// Prints one layer's row of the table, and its first mismatches.
void PrintRow(const strata::LayerGradientCheck& check) {
  const char* name = check.layer.c_str();
  const char* type = check.type.c_str();
  if (check.nothing_to_check) {
    if (!FLAGS_layer.empty()) {
      std::printf("%-24s %-20s %9s %9s %12s  %s\n", name, type, "-", "-", "-",
                  "no gradient to check");
    }
    return;
  }
  const strata::GradientCheckReport& report = check.report;
  std::printf("%-24s %-20s %9d %9d %12.3g  %s\n", name, type, report.checked, report.skipped,
              report.max_error_ratio, report.passed() ? "PASS" : "FAIL");
  for (size_t m = 0; m < report.mismatches.size() && m < 5; ++m) {
    const auto& bad = report.mismatches[m];
    std::printf("    %s [%d]: analytic %.6g, numeric %.6g\n", bad.blob.c_str(), bad.index,
                bad.analytic, bad.numeric);
  }
}

}  // namespace

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "gradcheck",
      "checks each layer's Backward against central differences.\n"
      "Usage: gradcheck --model=net.prototxt [--layer=NAME] [--weights=w.caffemodel]\n"
      "Builds the net, runs one forward pass so every layer sees real inputs, then for each\n"
      "layer compares the analytic gradient of sum(w * top) (w fixed and random) over its\n"
      "inputs and parameters with (f(x+h) - f(x-h)) / 2h. The tolerance is --threshold\n"
      "relative to the larger value, widened to the float rounding noise of the objective.\n"
      "Prints a table; exits 1 if any\n"
      "layer fails. This is the same check the test suite runs on every built-in layer.",
      argc, argv, [](int argc, char**) {
        if (argc > 1) throw strata::tools::UsageError{"unexpected argument"};
        if (FLAGS_model.empty()) throw strata::tools::UsageError{"--model is required"};
        if (FLAGS_phase != "TRAIN" && FLAGS_phase != "TEST") {
          throw strata::tools::UsageError{"--phase must be TRAIN or TEST"};
        }
        if (!(FLAGS_stepsize > 0) || !(FLAGS_threshold > 0) || !std::isfinite(FLAGS_stepsize) ||
            !std::isfinite(FLAGS_threshold)) {
          throw strata::tools::UsageError{"--stepsize and --threshold must be finite and positive"};
        }
        if (FLAGS_max_checks < 0) throw strata::tools::UsageError{"--max_checks must be >= 0"};
        strata::NetOptions options = strata::tools::NetOptionsFromFlags(FLAGS_stage, FLAGS_level);
        options.reuse_activations = false;
        strata::Net net(FLAGS_model, FLAGS_phase == "TRAIN" ? strata::TRAIN : strata::TEST,
                        options);
        if (!FLAGS_weights.empty()) net.CopyTrainedLayersFrom(FLAGS_weights);
        strata::GradientCheckOptions check;
        check.stepsize = static_cast<float>(FLAGS_stepsize);
        check.threshold = static_cast<float>(FLAGS_threshold);
        check.max_checks_per_blob = FLAGS_max_checks;
        check.skip_detected_kinks = FLAGS_skip_kinks;
        check.rounding_floor = FLAGS_rounding_floor;

        std::printf("%-24s %-20s %9s %9s %12s  %s\n", "layer", "type", "checked", "skipped",
                    "error/tol", "result");
        int failed = 0, checked_layers = 0;
        std::string failed_names;
        strata::CheckNetGradients(
            &net, FLAGS_layer, check, [&](const strata::LayerGradientCheck& layer) {
              PrintRow(layer);
              if (layer.nothing_to_check) return;
              ++checked_layers;
              if (!layer.report.passed()) {
                ++failed;
                failed_names += (failed_names.empty() ? "" : ", ") + layer.layer;
              }
            });
        std::printf("\n%d layer(s) checked, %d failed\n", checked_layers, failed);
        if (failed > 0) {
          std::fprintf(stderr, "gradcheck: gradient check failed for %s\n", failed_names.c_str());
          return 1;
        }
        return 0;
      });
}
