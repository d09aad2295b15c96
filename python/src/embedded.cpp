// libstrata_python.so: Python for programs that did not start it (the tools,
// C++ programs), loaded by StartEmbeddedPython when a net has a layer of type
// "Python". It starts an interpreter and imports the module strata, which
// registers the layer type; the net then runs Python layers as under python3.
#include <dlfcn.h>
#include <pybind11/embed.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "strata/solver.hpp"

namespace py = pybind11;

namespace {

std::string OwnDir() {
  Dl_info info{};
  static int anchor;
  if (dladdr(&anchor, &info) == 0 || info.dli_fname == nullptr) return ".";
  const std::string path = info.dli_fname;
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool HasPackage(const std::string& dir) {
  struct stat s {};
  return stat((dir + "/strata/__init__.py").c_str(), &s) == 0;
}

}  // namespace

// Returns 0, or 1 with the reason in `error`. Called once, under a lock.
extern "C" __attribute__((visibility("default"))) int strata_python_start(char* error,
                                                                          unsigned long size) {
  try {
    // Without Python's signal handlers: the tools' own SIGINT handling stays.
    py::initialize_interpreter(/*init_signal_handlers=*/false);
    {
      py::list path = py::module_::import("sys").attr("path");
      // The package beside this library: build/python in the build tree, the
      // dist-packages folder it is installed in otherwise.
      for (const std::string& dir : {OwnDir() + "/python", OwnDir() + "/" STRATA_LIB_TO_PYTHON}) {
        if (HasPackage(dir)) {
          path.insert(0, dir);
          break;
        }
      }
      const bool keep = strata::Solver::keep_test_activations();
      py::module_::import("strata");
      // The module's setting is for Python users reading blobs; a tool keeps its own.
      strata::Solver::SetKeepTestActivations(keep);
    }
    // Nets run without the lock; each Python layer takes it for its calls.
    PyEval_SaveThread();
    return 0;
  } catch (const std::exception& e) {
    std::snprintf(error, size, "%s", e.what());
    return 1;
  }
}
