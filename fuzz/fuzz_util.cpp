#include "fuzz_util.hpp"

#include <glog/logging.h>
#include <unistd.h>

#include <fstream>

#include "strata/storage.hpp"

namespace strata::fuzz {

void Init() {
  static const bool done = [] {
    FLAGS_logtostderr = true;
    FLAGS_minloglevel = 2;
    google::InitGoogleLogging("fuzz");
    // libFuzzer's own limit is 2 GB of RSS; a net may ask for more than that
    // legitimately, which must end in an error, not an out-of-memory report.
    Storage::SetMemoryLimit(size_t{512} << 20);
    return true;
  }();
  (void)done;
}

std::string WriteScratch(const uint8_t* data, size_t size, const std::string& suffix) {
  const std::string path = "/tmp/strata_fuzz_" + std::to_string(getpid()) + suffix;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace strata::fuzz
