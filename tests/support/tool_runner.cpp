#include "support/tool_runner.hpp"

#include <sys/wait.h>

#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/test_util.hpp"

namespace strata::testing {

std::string ToolPath(const std::string& tool) {
  const char* build = std::getenv("STRATA_BUILD_DIR");
  return std::string(build ? build : "build") + "/tools/" + tool;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

ToolResult RunShell(const std::string& command) {
  static const std::string dir = MakeTempDir("tools_out");
  const std::string line = "(" + command + ") > " + dir + "/out 2> " + dir + "/err";
  const int status = std::system(line.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(dir + "/out"), Slurp(dir + "/err")};
}

ToolResult RunTool(const std::string& tool, const std::string& args) {
  return RunShell(ToolPath(tool) + " " + args);
}

std::string IdxBytes(const std::vector<int>& dims, const std::vector<uint8_t>& values) {
  std::string bytes = {0, 0, 8, static_cast<char>(dims.size())};
  for (int d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8)
      bytes.push_back(static_cast<char>((d >> shift) & 0xff));
  }
  bytes.append(values.begin(), values.end());
  return bytes;
}

void WriteGzippedIdx(const std::string& path, const std::vector<int>& dims,
                     const std::vector<uint8_t>& values) {
  std::ofstream file(path, std::ios::binary);
  boost::iostreams::filtering_ostream out;
  out.push(boost::iostreams::gzip_compressor());
  out.push(file);
  out << IdxBytes(dims, values);
}

std::string TinyProblem(const std::string& dir, const std::string& solver_fields) {
  testing::WriteClusterHdf5(dir + "/d.h5", 120, 8, 4, 1.5f, 1.f, 3);
  testing::WriteTextFile(dir + "/list.txt", "d.h5\n");
  const std::string net = testing::WriteTextFile(dir + "/net.prototxt", R"(name: "tiny"
layer { name: "data" type: "HDF5Data" top: "data" top: "label"
  hdf5_data_param { source: ")" + dir + R"(/list.txt" batch_size: 16 shuffle: true } }
layer { name: "fc1" type: "InnerProduct" bottom: "data" top: "fc1"
  inner_product_param { num_output: 64 weight_filler { type: "msra" } } }
layer { name: "relu" type: "ReLU" bottom: "fc1" top: "fc1" }
layer { name: "fc2" type: "InnerProduct" bottom: "fc1" top: "fc2"
  inner_product_param { num_output: 4 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc2" bottom: "label" top: "loss" }
layer { name: "accuracy" type: "Accuracy" bottom: "fc2" bottom: "label" top: "accuracy"
  include { phase: TEST } }
)");
  return testing::WriteTextFile(dir + "/solver.prototxt", "net: \"" + net + R"("
base_lr: 0.05 momentum: 0.9 lr_policy: "fixed" random_seed: 4 snapshot_prefix: ")" +
                                                              dir + "/snap/tiny\"\n" +
                                                              solver_fields);
}

}  // namespace strata::testing
