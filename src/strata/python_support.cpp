#include "strata/python_support.hpp"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "strata/errors.hpp"

namespace strata {

namespace {

// The folder libstrata was loaded from, where the plugin is built and installed.
std::string LibraryDir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&StartEmbeddedPython), &info) == 0 ||
      info.dli_fname == nullptr) {
    return ".";
  }
  const std::string path = info.dli_fname;
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

void StartEmbeddedPython() {
  static std::mutex mutex;
  static bool started = false;
  std::lock_guard<std::mutex> lock(mutex);
  if (started) return;
  const std::string path = LibraryDir() + "/libstrata_python.so";
  // RTLD_GLOBAL: extension modules (NumPy's, strata's own) take the
  // interpreter's symbols from the global scope, as in the python3 program.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) {
    throw ConfigError(
        "layer type 'Python' needs Strata's Python support, which this build lacks "
        "(configure with -DSTRATA_BUILD_PYTHON=ON): " +
        std::string(dlerror()));
  }
  using Start = int (*)(char*, unsigned long);
  auto start = reinterpret_cast<Start>(dlsym(handle, "strata_python_start"));
  if (start == nullptr) throw ConfigError(path + " has no strata_python_start");
  char error[4096] = {0};
  if (start(error, sizeof error) != 0) {
    throw ConfigError("cannot start Python for layer type 'Python': " + std::string(error));
  }
  started = true;
}

}  // namespace strata
