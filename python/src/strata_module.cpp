// _strata: the C++ half of the Python module `strata` (python/strata/ holds
// the Python half, which adds pycaffe's conveniences on top, as pycaffe.py
// does on _caffe). Blobs are NumPy views of Strata's memory; the GIL is
// released while C++ computes.
#include <glog/logging.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "python_layer.hpp"
#include "strata/blob.hpp"
#include "strata/errors.hpp"
#include "strata/gradient_check.hpp"
#include "strata/image.hpp"
#include "strata/io.hpp"
#include "strata/layer.hpp"
#include "strata/layer_registry.hpp"
#include "strata/layers/memory_data_layer.hpp"
#include "strata/net.hpp"
#include "strata/snapshot.hpp"
#include "strata/solver.hpp"
#include "strata/solver_param.hpp"
#include "strata/thread_pool.hpp"

namespace py = pybind11;

namespace strata {
namespace {

// The NumPy views alive per storage. Forward reads it without the GIL, so a
// mutex guards it; never freed, as views may outlive the module at exit.
struct LiveViews {
  std::mutex mutex;
  std::unordered_map<const Storage*, int> count;
};
LiveViews& Views() {
  static auto* views = new LiveViews;
  return *views;
}

bool HasLiveViews(const Storage& storage) {
  LiveViews& views = Views();
  std::lock_guard<std::mutex> lock(views.mutex);
  return views.count.count(&storage) > 0;
}

// A float32 view of `storage`'s first count values in `shape`; the array
// keeps the storage alive, so it outlives the blob and its net. Making one
// counts as a write (mutable_data), and so does freeing it: whatever Python
// wrote through it was written by then, and the next pass sees a new write
// count (MarkParamsWritten covers the views still alive).
py::array View(const std::shared_ptr<Storage>& storage, float* values,
               const std::vector<int>& shape) {
  auto* owner = new std::shared_ptr<Storage>(storage);
  {
    LiveViews& views = Views();
    std::lock_guard<std::mutex> lock(views.mutex);
    ++views.count[storage.get()];
  }
  py::capsule base(owner, [](void* p) {
    auto* owned = static_cast<std::shared_ptr<Storage>*>(p);
    (*owned)->mutable_data();
    LiveViews& views = Views();
    {
      std::lock_guard<std::mutex> lock(views.mutex);
      const auto it = views.count.find(owned->get());
      if (--it->second == 0) views.count.erase(it);
    }
    delete owned;
  });
  std::vector<py::ssize_t> dims(shape.begin(), shape.end());
  return py::array_t<float>(dims, values, base);
}

py::array BlobData(Blob& blob) {
  float* values = blob.mutable_data();  // allocates a lazily reserved blob
  return View(blob.shared_data_storage(), values, blob.shape());
}

py::array BlobDiff(Blob& blob) {
  float* values = blob.mutable_diff();
  return View(blob.shared_diff_storage(), values, blob.shape());
}

// Caffe's num/channels/height/width: an axis of a blob of at most 4 axes, 1
// beyond its last axis.
int LegacyDim(const Blob& blob, size_t axis) {
  if (blob.shape().size() > 4) {
    throw py::value_error(
        "num, channels, height and width are for blobs of at most 4 axes; "
        "this one has shape " +
        blob.shape_string() + ": use .shape");
  }
  return axis < blob.shape().size() ? blob.shape()[axis] : 1;
}

int PhaseFrom(int phase) {
  if (phase != TRAIN && phase != TEST) {
    throw py::value_error("phase must be strata.TRAIN (0) or strata.TEST (1), got " +
                          std::to_string(phase));
  }
  return phase;
}

// The seed of the nets made from now on (set_random_seed; Strata's default
// otherwise).
uint64_t& NetSeed() {
  static uint64_t seed = NetOptions{}.seed;
  return seed;
}

std::unique_ptr<Net> MakeNet(const std::string& model, int phase, const py::object& weights) {
  NetOptions options;
  options.seed = NetSeed();
  options.reuse_activations = false;  // every blob stays readable from Python
  auto net = std::make_unique<Net>(model, static_cast<Phase>(PhaseFrom(phase)), options);
  if (!weights.is_none()) net->CopyTrainedLayersFrom(weights.cast<std::string>());
  return net;
}

// Index of each blob of `blobs` in the net's blob list.
std::vector<int> BlobIds(const Net& net, const std::vector<Blob*>& blobs) {
  std::unordered_map<const Blob*, int> index;
  for (size_t i = 0; i < net.blob_names().size(); ++i) {
    index[net.blob_by_name(net.blob_names()[i])] = static_cast<int>(i);
  }
  std::vector<int> ids;
  for (const Blob* b : blobs) {
    const auto it = index.find(b);
    ids.push_back(it == index.end() ? -1 : it->second);
  }
  return ids;
}

// Caffe's Net::blob_loss_weights: each blob's weight in the loss (0 for
// blobs that are not a loss layer's top).
std::vector<float> BlobLossWeights(const Net& net) {
  std::vector<float> weights(net.blob_names().size(), 0.f);
  for (size_t i = 0; i < net.layers().size(); ++i) {
    const std::vector<int> tops = BlobIds(net, net.top_vecs()[i]);
    for (size_t t = 0; t < tops.size(); ++t) {
      const float w = net.layers()[i]->loss(static_cast<int>(t));
      if (w != 0.f) weights[static_cast<size_t>(tops[t])] = w;
    }
  }
  return weights;
}

// A parameter with a NumPy view alive may have been written through it at
// any time since the last pass: its write count moves, so that a TEST net's
// convolutions take the new values (BaseConvolutionLayer packs them once per
// change). The others keep their packed copies.
void MarkParamsWritten(Net& net) {
  for (const auto& layer : net.layers()) {
    for (const auto& blob : layer->blobs()) {
      if (HasLiveViews(blob->data_storage())) blob->mutable_data();
    }
  }
}

void SaveWeights(const Net& net, const std::string& path, bool hdf5) {
  NetParameter param;
  net.ToProto(&param);
  WriteWeights(param, path, hdf5, false);
}

std::unique_ptr<Solver> MakeSolver(const std::string& path, const char* type) {
  SolverSource source;
  SolverParameter param = ReadSolverParameter(path, &source);
  if (type != nullptr) param.set_type(type);
  return CreateSolver(param, &source);
}

// pycaffe's Net.set_input_arrays: the arrays a first MemoryData layer reads,
// float32 and C-contiguous as they are (no silent conversion), kept alive
// on the Python net for as long as the layer may read them.
void SetInputArrays(py::object self, py::array data, py::array labels) {
  Net& net = self.cast<Net&>();
  auto* layer =
      net.layers().empty() ? nullptr : dynamic_cast<MemoryDataLayer*>(net.layers()[0].get());
  if (layer == nullptr) {
    throw py::value_error("set_input_arrays needs a net whose first layer is MemoryData");
  }
  const auto is_float32 = [](const py::array& a) {
    return a.dtype().is(py::dtype::of<float>()) && (a.flags() & py::array::c_style);
  };
  if (!is_float32(data) || !is_float32(labels)) {
    throw py::value_error("set_input_arrays needs float32, C-contiguous arrays (got " +
                          std::string(py::str(data.dtype())) + " data and " +
                          std::string(py::str(labels.dtype())) +
                          " labels); convert with np.ascontiguousarray(x, dtype=np.float32)");
  }
  const std::vector<int>& top = net.top_vecs()[0][0]->shape();
  std::vector<int> item(top.begin() + 1, top.end());
  std::vector<int> given(data.shape() + 1, data.shape() + data.ndim());
  if (data.ndim() != 4 || given != item) {
    throw py::value_error("set_input_arrays: data must be N x " + std::to_string(item[0]) + " x " +
                          std::to_string(item[1]) + " x " + std::to_string(item[2]) +
                          " for MemoryData '" + net.layer_names()[0] + "'");
  }
  if (labels.size() != data.shape(0)) {
    throw py::value_error("set_input_arrays: " + std::to_string(labels.size()) + " labels for " +
                          std::to_string(data.shape(0)) + " examples");
  }
  layer->Reset(static_cast<const float*>(data.data()), static_cast<const float*>(labels.data()),
               static_cast<int>(data.shape(0)));
  self.attr("_input_arrays") = py::make_tuple(data, labels);
}

void BindNet(py::module_& m) {
  py::class_<Blob>(m, "Blob")
      .def(py::init([](const std::vector<int>& shape) { return std::make_unique<Blob>(shape); }),
           py::arg("shape") = std::vector<int>{})
      .def_property_readonly("shape", [](const Blob& b) { return b.shape(); })
      .def_property_readonly("count", [](const Blob& b) { return b.count(); })
      .def_property_readonly("num", [](const Blob& b) { return LegacyDim(b, 0); })
      .def_property_readonly("channels", [](const Blob& b) { return LegacyDim(b, 1); })
      .def_property_readonly("height", [](const Blob& b) { return LegacyDim(b, 2); })
      .def_property_readonly("width", [](const Blob& b) { return LegacyDim(b, 3); })
      .def_property_readonly("data", &BlobData)
      .def_property_readonly("diff", &BlobDiff)
      .def("reshape", [](Blob& b, py::args dims) {
        std::vector<int> shape;
        for (const auto& d : dims) shape.push_back(d.cast<int>());
        b.Reshape(shape);
      });

  py::class_<Layer>(m, "Layer")
      .def_property_readonly("type", [](const Layer& l) { return std::string(l.type()); })
      .def_property_readonly("name", [](const Layer& l) { return l.layer_param().name(); })
      .def_property_readonly(
          "blobs",
          [](Layer& l) {
            std::vector<Blob*> blobs;
            for (auto& b : l.blobs()) blobs.push_back(b.get());
            return blobs;
          },
          py::return_value_policy::reference_internal)
      .def("setup", &Layer::SetUp, py::arg("bottom"), py::arg("top"),
           py::call_guard<py::gil_scoped_release>())
      .def("reshape", &Layer::Reshape, py::arg("bottom"), py::arg("top"),
           py::call_guard<py::gil_scoped_release>());

  py::class_<Net>(m, "Net", py::dynamic_attr())
      .def(py::init([](const std::string& model, int phase, const py::object& weights) {
             return MakeNet(model, phase, weights);
           }),
           py::arg("model"), py::arg("phase"), py::arg("weights") = py::none())
      .def(py::init([](const std::string& model, const std::string& weights, int phase) {
             return MakeNet(model, phase, py::str(weights));
           }),
           py::arg("model"), py::arg("weights"), py::arg("phase"))
      .def_property_readonly("name", &Net::name)
      .def_property_readonly("phase", [](const Net& n) { return static_cast<int>(n.phase()); })
      .def_property_readonly("_blob_names", &Net::blob_names)
      .def_property_readonly("_layer_names", &Net::layer_names)
      .def(
          "_blob", [](Net& n, const std::string& name) { return n.blob_by_name(name); },
          py::return_value_policy::reference_internal)
      .def(
          "_layer", [](Net& n, int i) { return n.layers().at(i).get(); },
          py::return_value_policy::reference_internal)
      .def_property_readonly("_inputs", [](Net& n) { return BlobIds(n, n.input_blobs()); })
      .def_property_readonly("_outputs", [](Net& n) { return BlobIds(n, n.output_blobs()); })
      .def_property_readonly("_blob_loss_weights", &BlobLossWeights)
      .def("_bottom_ids", [](Net& n, int i) { return BlobIds(n, n.bottom_vecs().at(i)); })
      .def("_top_ids", [](Net& n, int i) { return BlobIds(n, n.top_vecs().at(i)); })
      .def(
          "_forward",
          [](Net& n, int start, int end) {
            MarkParamsWritten(n);
            return n.ForwardFromTo(start, end);
          },
          py::call_guard<py::gil_scoped_release>())
      .def("_backward", &Net::BackwardFromTo, py::call_guard<py::gil_scoped_release>())
      // The C++ side of benchmarks/python_forward.py: `times` forward passes
      // with no Python between them.
      .def(
          "_forward_repeat",
          [](Net& n, int times) {
            for (int i = 0; i < times; ++i) n.Forward();
          },
          py::call_guard<py::gil_scoped_release>())
      .def("set_input_arrays", &SetInputArrays, py::arg("data"), py::arg("labels"))
      .def("reshape", &Net::Reshape)
      .def("clear_param_diffs", &Net::ClearParamDiffs)
      .def("copy_from", py::overload_cast<const std::string&>(&Net::CopyTrainedLayersFrom))
      .def("share_with", &Net::ShareTrainedLayersWith)
      .def("save", [](const Net& n, const std::string& path) { SaveWeights(n, path, false); })
      .def("save_hdf5", [](const Net& n, const std::string& path) { SaveWeights(n, path, true); })
      .def("load_hdf5", py::overload_cast<const std::string&>(&Net::CopyTrainedLayersFrom));
}

// pycaffe's solver callbacks: on_start before each iteration's forward passes,
// on_gradients_ready once its gradients are in the parameter diffs.
class PyCallback : public Solver::Callback {
 public:
  PyCallback(py::object on_start, py::object on_gradients_ready)
      : on_start_(std::move(on_start)), on_gradients_ready_(std::move(on_gradients_ready)) {}
  ~PyCallback() override {
    py::gil_scoped_acquire gil;
    on_start_ = py::object();
    on_gradients_ready_ = py::object();
  }
  void OnStart() override { Call(on_start_, "on_start"); }
  void OnGradientsReady() override { Call(on_gradients_ready_, "on_gradients_ready"); }

 private:
  static void Call(const py::object& fn, const char* what) {
    py::gil_scoped_acquire gil;
    if (fn.is_none()) return;
    try {
      fn();
    } catch (py::error_already_set& e) {
      throw DataError(std::string("solver callback ") + what + " raised " + OneLine(e));
    }
  }
  py::object on_start_, on_gradients_ready_;
};

void AddCallback(py::object self, py::object on_start, py::object on_gradients_ready) {
  auto callback = std::make_shared<PyCallback>(std::move(on_start), std::move(on_gradients_ready));
  self.cast<Solver&>().AddCallback(callback.get());
  // The Python solver owns it: the C++ solver only points to it.
  if (!py::hasattr(self, "_callbacks")) self.attr("_callbacks") = py::list();
  self.attr("_callbacks").cast<py::list>().append(py::cast(callback));
}

void BindSolver(py::module_& m) {
  py::class_<PyCallback, std::shared_ptr<PyCallback>>(m, "_SolverCallback");
  py::class_<Solver>(m, "Solver", py::dynamic_attr())
      .def_property_readonly("type", [](const Solver& s) { return std::string(s.type()); })
      .def_property_readonly("net", py::overload_cast<>(&Solver::net),
                             py::return_value_policy::reference_internal)
      .def_property_readonly(
          "test_nets",
          [](const Solver& s) {
            std::vector<Net*> nets;
            for (const auto& n : s.test_nets()) nets.push_back(n.get());
            return nets;
          },
          py::return_value_policy::reference_internal)
      .def_property_readonly("iter", &Solver::iter)
      .def("step", &Solver::Step, py::call_guard<py::gil_scoped_release>())
      .def(
          "solve",
          [](Solver& s, const py::object& resume_file) {
            if (!resume_file.is_none()) s.Restore(resume_file.cast<std::string>());
            py::gil_scoped_release release;
            s.Solve();
          },
          py::arg("resume_file") = py::none())
      .def("apply_update", &Solver::ApplyUpdateFromDiffs)
      .def("add_callback", &AddCallback, py::arg("on_start"), py::arg("on_gradients_ready"))
      .def("restore", &Solver::Restore)
      .def("snapshot", &Solver::Snapshot)
      .def("share_weights", [](Solver& s, Net& net) { net.ShareTrainedLayersWith(s.net()); });
  m.def("get_solver", [](const std::string& path) { return MakeSolver(path, nullptr); });
  for (const char* type : {"SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam", "AdamW"}) {
    m.def((std::string(type) + "Solver").c_str(),
          [type](const std::string& path) { return MakeSolver(path, type); });
  }
}

// strata.check_gradients: the gradcheck tool's check of each layer of `net`
// (Python layers included), one dict per checked layer.
py::list CheckGradients(Net& net, const std::string& layer, float stepsize, float threshold,
                        int max_checks, bool skip_kinks) {
  if (!(stepsize > 0) || !(threshold > 0) || max_checks < 0) {
    throw py::value_error("stepsize and threshold must be positive and max_checks >= 0");
  }
  GradientCheckOptions options;
  options.stepsize = stepsize;
  options.threshold = threshold;
  options.max_checks_per_blob = max_checks;
  options.skip_detected_kinks = skip_kinks;
  options.rounding_floor = true;
  std::vector<LayerGradientCheck> checks;
  {
    py::gil_scoped_release release;
    checks = CheckNetGradients(&net, layer, options);
  }
  py::list results;
  for (const LayerGradientCheck& check : checks) {
    if (check.nothing_to_check) continue;
    py::list mismatches;
    for (const GradientMismatch& m : check.report.mismatches) {
      mismatches.append(py::dict(py::arg("blob") = m.blob, py::arg("index") = m.index,
                                 py::arg("analytic") = m.analytic, py::arg("numeric") = m.numeric));
    }
    results.append(py::dict(
        py::arg("layer") = check.layer, py::arg("type") = check.type,
        py::arg("checked") = check.report.checked, py::arg("skipped") = check.report.skipped,
        py::arg("max_error_ratio") = check.report.max_error_ratio,
        py::arg("passed") = check.report.passed(), py::arg("mismatches") = mismatches));
  }
  return results;
}

// An image file as Caffe's data layers decode it: channels x height x width,
// uint8, BGR (colour) or grey.
py::array ReadImage(const std::string& path, bool color) {
  Image image;
  {
    py::gil_scoped_release release;
    image = ReadImageFile(path, color ? ImageColor::kColor : ImageColor::kGray);
  }
  py::array_t<uint8_t> pixels({image.channels, image.height, image.width});
  std::copy(image.pixels.begin(), image.pixels.end(), pixels.mutable_data());
  return std::move(pixels);
}

}  // namespace
}  // namespace strata

PYBIND11_MODULE(_strata, m) {
  m.doc() = "Strata's C++ core; import strata, not this";
  // Strata's errors reach Python as exceptions of these names, carrying the
  // message with its file, line and layer.
  static py::exception<strata::Error> error(m, "StrataError");
  py::register_exception<strata::ConfigError>(m, "ConfigError", error.ptr());
  py::register_exception<strata::ShapeError>(m, "ShapeError", error.ptr());
  py::register_exception<strata::IoError>(m, "IoError", error.ptr());
  py::register_exception<strata::DataError>(m, "DataError", error.ptr());
  py::register_exception<strata::NumericalError>(m, "NumericalError", error.ptr());
  // Python code reads any blob of a solver's test nets.
  strata::Solver::SetKeepTestActivations(true);
  m.attr("TRAIN") = static_cast<int>(strata::TRAIN);
  m.attr("TEST") = static_cast<int>(strata::TEST);
  m.def("layer_type_list", &strata::LayerRegistry::Types);
  m.def("set_num_threads", &strata::SetNumThreads);
  m.def("set_random_seed", [](uint64_t seed) { strata::NetSeed() = seed; });
  m.def("_read_image", &strata::ReadImage, py::arg("path"), py::arg("color"));
  m.def("check_gradients", &strata::CheckGradients, py::arg("net"), py::arg("layer") = "",
        py::arg("stepsize") = 1e-2f, py::arg("threshold") = 1e-3f, py::arg("max_checks") = 200,
        py::arg("skip_kinks") = true,
        "Checks each layer's backward (or only `layer`'s) against central differences on the "
        "inputs the net gives it; returns one dict per checked layer (passed, checked, "
        "skipped, max_error_ratio, mismatches)");
  if (!strata::LayerRegistry::Has("Python")) {
    strata::LayerRegistry::Add("Python", &strata::MakePythonLayer);
  }
  m.attr("__version__") = STRATA_VERSION;
  m.def("init_log", [] {  // Caffe's: glog's messages on stderr
    if (!google::IsGoogleLoggingInitialized()) google::InitGoogleLogging("strata");
    FLAGS_logtostderr = true;
  });
  m.def("log", [](const std::string& message) { LOG(INFO) << message; });
  // One process, one solver: what pycaffe's multi-GPU (NCCL) scripts ask.
  m.def("has_nccl", [] { return false; });
  static int solver_count = 1, solver_rank = 0;
  m.def("solver_count", [] { return solver_count; });
  m.def("solver_rank", [] { return solver_rank; });
  m.def("set_solver_count", [](int count) {
    if (count != 1) throw py::value_error("Strata trains on one process from Python (no NCCL)");
    solver_count = count;
  });
  m.def("set_solver_rank", [](int rank) {
    if (rank != 0) throw py::value_error("Strata trains on one process from Python (no NCCL)");
    solver_rank = rank;
  });
  m.def("set_multiprocess", [](bool) {});
  strata::BindPythonLayer(m);
  strata::BindNet(m);
  strata::BindSolver(m);
}
