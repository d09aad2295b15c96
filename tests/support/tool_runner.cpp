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

ToolResult RunTool(const std::string& tool, const std::string& args) {
  static const std::string dir = MakeTempDir("tools_out");
  const std::string command = ToolPath(tool) + " " + args + " > " + dir + "/out 2> " + dir + "/err";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(dir + "/out"), Slurp(dir + "/err")};
}

void WriteGzippedIdx(const std::string& path, const std::vector<int>& dims,
                     const std::vector<uint8_t>& values) {
  std::string bytes = {0, 0, 8, static_cast<char>(dims.size())};
  for (int d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((d >> shift) & 0xff));
  }
  bytes.append(values.begin(), values.end());
  std::ofstream file(path, std::ios::binary);
  boost::iostreams::filtering_ostream out;
  out.push(boost::iostreams::gzip_compressor());
  out.push(file);
  out << bytes;
}

}  // namespace strata::testing
