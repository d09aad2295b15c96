// summary: every layer of a net with its top shapes, parameter count and forward FLOPs.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <cstdio>
#include <set>

#include "strata/net.hpp"
#include "tool_main.hpp"

DEFINE_string(model, "", "The net definition (.prototxt). Required.");
DEFINE_string(phase, "TEST", "Phase to build the net in: TRAIN or TEST.");
DEFINE_string(stage, "", "Comma-separated NetState stages.");
DEFINE_int32(level, 0, "NetState level.");

namespace {

std::string Human(double value, const char* unit) {
  const char* prefixes[] = {"", "K", "M", "G", "T"};
  int p = 0;
  while (value >= 1000 && p < 4) {
    value /= 1000;
    ++p;
  }
  char text[32];
  std::snprintf(text, sizeof(text), p == 0 ? "%.0f %s%s" : "%.2f %s%s", value, prefixes[p], unit);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "summary",
      "lists a net's layers.\n"
      "Usage: summary --model=net.prototxt [--phase=TEST|TRAIN] [--stage=a,b] [--level=N]\n"
      "Builds the net (data layers read their sources) and prints, for every layer, its type,\n"
      "top shapes, parameter count and forward FLOPs (a multiply-add counts two),\n"
      "then the totals and the memory the activations and parameters take (in TEST phase,\n"
      "also what inference holds at once when buffers are handed on).",
      argc, argv, [](int argc, char**) {
        if (argc > 1) throw strata::tools::UsageError{"unexpected argument"};
        if (FLAGS_model.empty()) throw strata::tools::UsageError{"--model is required"};
        if (FLAGS_phase != "TRAIN" && FLAGS_phase != "TEST") {
          throw strata::tools::UsageError{"--phase must be TRAIN or TEST"};
        }
        const strata::NetOptions options =
            strata::tools::NetOptionsFromFlags(FLAGS_stage, FLAGS_level);
        strata::Net net(FLAGS_model, FLAGS_phase == "TRAIN" ? strata::TRAIN : strata::TEST,
                        options);
        std::printf("%-24s %-20s %-24s %12s %14s  %s\n", "layer", "type", "top shapes", "params",
                    "forward FLOPs", "algorithm");
        double total_flops = 0;
        long long total_params = 0;
        for (size_t i = 0; i < net.layers().size(); ++i) {
          const strata::Layer& layer = *net.layers()[i];
          long long params = 0;
          for (const auto& blob : layer.blobs()) {
            params += blob->count();
          }
          const double flops = layer.ForwardFlops(net.bottom_vecs()[i], net.top_vecs()[i]);
          total_flops += flops;
          std::string shapes;
          for (const strata::Blob* top : net.top_vecs()[i]) {
            if (!shapes.empty()) shapes += " ";
            shapes += top->shape_string();
          }
          std::printf("%-24s %-20s %-24s %12lld %14s  %s\n", net.layer_names()[i].c_str(),
                      layer.type(), shapes.c_str(), params, Human(flops, "FLOP").c_str(),
                      layer.Algorithm().c_str());
        }
        // Shared parameters count once.
        for (const strata::Blob* blob : net.learnable_params()) total_params += blob->count();
        std::printf("\nlayers: %zu   learnable parameters: %lld (%s)   forward: %s per batch\n",
                    net.layers().size(), total_params, Human(4.0 * total_params, "B").c_str(),
                    Human(total_flops, "FLOP").c_str());
        std::set<const strata::Blob*> blobs;
        for (const auto& tops : net.top_vecs()) blobs.insert(tops.begin(), tops.end());
        double activation_bytes = 0;
        for (const strata::Blob* blob : blobs) activation_bytes += 4.0 * blob->count();
        std::printf("activations: %s in %zu blobs (training doubles it with gradients)",
                    Human(activation_bytes, "B").c_str(), blobs.size());
        if (net.reuses_activations()) {
          std::printf("; inference holds %s at once (buffers reused)",
                      Human(static_cast<double>(net.activation_bytes()), "B").c_str());
        }
        std::printf("\n");
        return 0;
      });
}
