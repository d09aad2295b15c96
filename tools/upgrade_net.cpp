// upgrade_net: rewrites a deprecated Caffe net definition in the current form.
#include <gflags/gflags.h>

#include <filesystem>
#include <iostream>

#include "strata/errors.hpp"
#include "strata/io.hpp"
#include "strata/snapshot.hpp"
#include "strata/upgrade.hpp"
#include "tool_main.hpp"

DEFINE_string(input, "", "The net to upgrade: a .prototxt, or a binary .caffemodel. Required.");
DEFINE_string(output, "", "Where to write the upgraded net (same format as the input). Required.");

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "upgrade_net",
      "upgrades deprecated Caffe nets (V1 `layers`, `input:` fields).\n"
      "Usage: upgrade_net --input=old.prototxt --output=new.prototxt\n"
      "       upgrade_net --input=old.caffemodel --output=new.caffemodel\n"
      "Text stays text and binary stays binary; a net already current is copied as is.",
      argc, argv, [](int argc, char**) {
        if (argc > 1) throw strata::tools::UsageError{"unexpected argument"};
        if (FLAGS_input.empty() || FLAGS_output.empty()) {
          throw strata::tools::UsageError{"--input and --output are required"};
        }
        if (std::filesystem::exists(FLAGS_output)) {
          throw strata::IoError(FLAGS_output +
                                ": already exists; upgrade_net does not overwrite "
                                "(remove it first or choose another --output)");
        }
        strata::NetParameter net;
        bool binary = false;
        try {
          strata::ReadProtoFromTextFile(FLAGS_input, &net);
        } catch (const strata::ConfigError&) {
          // Not text: a binary weights file, or a text file with an error to report.
          if (strata::DetectFileKind(FLAGS_input) != strata::FileKind::kWeights) throw;
          binary = true;
          net.Clear();
          strata::ReadProtoFromBinaryFile(FLAGS_input, &net);
        }
        bool changed = false;
        try {
          changed = strata::UpgradeNetParameter(&net);
        } catch (const strata::Error& e) {
          strata::RethrowWithContext(e, FLAGS_input + ": ");
        }
        if (binary) {
          strata::WriteProtoToBinaryFile(net, FLAGS_output);
        } else {
          strata::WriteProtoToTextFile(net, FLAGS_output);
        }
        std::cout << (changed ? "Upgraded " : "Already current: copied ") << FLAGS_input << " to "
                  << FLAGS_output << "\n";
        return 0;
      });
}
