// draw_net: a net definition as a Graphviz DOT graph (layers as boxes, blobs as octagons).
#include <gflags/gflags.h>

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "net.pb.h"
#include "strata/errors.hpp"
#include "strata/io.hpp"
#include "strata/net.hpp"
#include "strata/upgrade.hpp"
#include "tool_main.hpp"

DEFINE_string(model, "", "The net definition (.prototxt). Required.");
DEFINE_string(out, "-", "Where to write the DOT text ('-': standard output).");
DEFINE_string(phase, "ALL", "Draw the layers of TRAIN, TEST or ALL phases.");
DEFINE_string(rankdir, "TB", "Graph direction: TB, BT, LR or RL.");

namespace {

// A DOT string; a newline becomes DOT's line break.
std::string Quote(const std::string& text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '\n') {
      quoted += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

// The facts a reader wants to see under a layer's name.
std::string Details(const strata::LayerParameter& layer) {
  std::ostringstream out;
  auto dims = [&](const auto& repeated, int fallback) {
    return repeated.size() > 0 ? repeated.Get(0) : fallback;
  };
  if (layer.type() == "Convolution" || layer.type() == "Deconvolution") {
    const auto& p = layer.convolution_param();
    out << p.num_output() << " outputs, kernel "
        << (p.has_kernel_h() ? p.kernel_h() : dims(p.kernel_size(), 0)) << ", stride "
        << (p.has_stride_h() ? p.stride_h() : dims(p.stride(), 1)) << ", pad "
        << (p.has_pad_h() ? p.pad_h() : dims(p.pad(), 0));
    if (p.group() != 1) out << ", group " << p.group();
  } else if (layer.type() == "InnerProduct") {
    out << layer.inner_product_param().num_output() << " outputs";
  } else if (layer.type() == "Pooling") {
    const auto& p = layer.pooling_param();
    out << strata::PoolingParameter::PoolMethod_Name(p.pool()) << ", kernel "
        << (p.global_pooling() ? std::string("global")
                               : std::to_string(p.has_kernel_h() ? p.kernel_h() : p.kernel_size()))
        << ", stride " << (p.has_stride_h() ? p.stride_h() : p.stride());
  } else if (layer.type() == "Dropout") {
    out << "ratio " << layer.dropout_param().dropout_ratio();
  }
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "draw_net",
      "draws a net as a Graphviz DOT graph.\n"
      "Usage: draw_net --model=net.prototxt [--out=net.dot] [--phase=ALL|TRAIN|TEST] "
      "[--rankdir=TB]\n"
      "Render it with Graphviz: dot -Tpng net.dot -o net.png. Layers are boxes (name, type and\n"
      "the main settings), blobs are octagons; a layer running in place gets a new blob node.",
      argc, argv, [](int argc, char**) {
        if (argc > 1) throw strata::tools::UsageError{"unexpected argument"};
        if (FLAGS_model.empty()) throw strata::tools::UsageError{"--model is required"};
        if (FLAGS_phase != "ALL" && FLAGS_phase != "TRAIN" && FLAGS_phase != "TEST") {
          throw strata::tools::UsageError{"--phase must be ALL, TRAIN or TEST"};
        }
        if (FLAGS_rankdir != "TB" && FLAGS_rankdir != "BT" && FLAGS_rankdir != "LR" &&
            FLAGS_rankdir != "RL") {
          throw strata::tools::UsageError{"--rankdir must be TB, BT, LR or RL"};
        }
        strata::NetParameter param;
        strata::NetSource source;
        strata::ReadNetParameterFromTextFile(FLAGS_model, &param, &source);
        try {
          strata::UpgradeNetParameter(&param);
        } catch (const strata::Error& e) {
          strata::RethrowWithContext(e, FLAGS_model + ": ");
        }
        strata::NetState state;
        state.set_phase(FLAGS_phase == "TRAIN" ? strata::TRAIN : strata::TEST);

        std::ostringstream dot;
        dot << "digraph " << Quote(param.name().empty() ? "net" : param.name()) << " {\n"
            << "  rankdir=" << FLAGS_rankdir << ";\n"
            << "  node [fontname=\"Helvetica\", fontsize=10];\n";
        std::map<std::string, int> version;  // blob name -> how often it was written
        auto blob_node = [&](const std::string& name) {
          return Quote("blob " + name + "#" + std::to_string(version[name]));
        };
        auto declare_blob = [&](const std::string& name) {
          dot << "  " << blob_node(name) << " [shape=octagon, style=filled, fillcolor=\"#E0E0E0\""
              << ", label=" << Quote(name) << "];\n";
        };
        for (int i = 0; i < param.layer_size(); ++i) {
          const strata::LayerParameter& layer = param.layer(i);
          if (FLAGS_phase != "ALL") {
            try {
              if (!strata::Net::StateIncludesLayer(state, layer)) continue;
            } catch (const strata::Error& e) {
              strata::RethrowWithContext(e, source.Where(i) + "layer '" + layer.name() + "': ");
            }
          }
          const std::string node = Quote("layer " + layer.name() + "#" + std::to_string(i));
          std::string label = layer.name() + "\n(" + layer.type() + ")";
          const std::string details = Details(layer);
          if (!details.empty()) label += "\n" + details;
          const bool loss = layer.type().find("Loss") != std::string::npos;
          dot << "  " << node << " [shape=box, style=\"rounded,filled\", fillcolor="
              << (loss ? "\"#F4C7C3\"" : "\"#C6DBEF\"") << ", label=" << Quote(label) << "];\n";
          for (const auto& bottom : layer.bottom()) {
            if (!version.count(bottom)) declare_blob(bottom);
            dot << "  " << blob_node(bottom) << " -> " << node << ";\n";
          }
          for (int t = 0; t < layer.top_size(); ++t) {
            const std::string& top = layer.top(t);
            // In place: a new node for the rewritten blob. Another phase's
            // producer of the same name (--phase=ALL) feeds the same node.
            const bool in_place = t < layer.bottom_size() && layer.bottom(t) == top;
            if (in_place) {
              ++version[top];
              declare_blob(top);
            } else if (!version.count(top)) {
              declare_blob(top);
            }
            dot << "  " << node << " -> " << blob_node(top) << ";\n";
          }
        }
        dot << "}\n";
        if (FLAGS_out == "-") {
          std::cout << dot.str();
        } else {
          strata::WriteFileAtomically(FLAGS_out, dot.str());
          std::cerr << "draw_net: wrote " << FLAGS_out << " (render: dot -Tpng " << FLAGS_out
                    << " -o net.png)\n";
        }
        return 0;
      });
}
