#include "python_layer.hpp"

#include <pybind11/stl.h>

#include <utility>
#include <vector>

#include "strata/errors.hpp"

namespace py = pybind11;

namespace strata {

// A Python exception in one line: its type, message and where it was raised
// (pybind11's what() appends the whole traceback on further lines).
std::string OneLine(const py::error_already_set& e) {
  std::string text = py::str(e.type().attr("__name__"));
  const std::string message = py::str(e.value());
  if (!message.empty()) text += ": " + message;
  if (e.trace()) {
    py::object tb = e.trace();
    while (!tb.attr("tb_next").is_none()) tb = tb.attr("tb_next");
    const py::object code = tb.attr("tb_frame").attr("f_code");
    text += " (at " + std::string(py::str(code.attr("co_filename"))) + ":" +
            std::string(py::str(tb.attr("tb_lineno"))) + " in " +
            std::string(py::str(code.attr("co_name"))) + ")";
  }
  return text;
}

namespace {

// A Python layer's self.blobs: its parameter blobs, to which setup adds with
// add_blob(*shape) as in pycaffe; the net then learns, saves and loads them
// as any layer's.
struct LayerBlobs {
  Layer* layer;
};

// A layer of type "Python": python_param names a module and a class (a
// subclass of strata.Layer) whose setup, reshape, forward and backward run on
// the net's blobs. Python exceptions become Strata errors naming the layer.
class PythonLayer : public Layer {
 public:
  PythonLayer(const LayerParameter& param, py::object self)
      : Layer(param), self_(std::move(self)) {}
  ~PythonLayer() override {
    py::gil_scoped_acquire gil;
    self_ = py::object();
  }
  const char* type() const override { return "Python"; }
  std::vector<std::string> ParamFields() const override { return {"python_param"}; }
  // Each entry takes the GIL before it builds the Python arguments: the net
  // runs with it released.
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override {
    py::gil_scoped_acquire gil;
    Call<ConfigError>("reshape", Wrap(bottom), Wrap(top));
    for (size_t i = 0; i < top.size(); ++i) {
      if (top[i]->shape().empty()) {
        throw ConfigError(Where("reshape") + " left top " + std::to_string(i) +
                          " without a shape; call top[" + std::to_string(i) +
                          "].reshape(...) in reshape");
      }
    }
  }

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override {
    py::gil_scoped_acquire gil;
    Call<ConfigError>("setup", Wrap(bottom), Wrap(top));
  }
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override {
    py::gil_scoped_acquire gil;
    Call<DataError>("forward", Wrap(bottom), Wrap(top));
  }
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override {
    py::gil_scoped_acquire gil;
    Call<DataError>("backward", Wrap(top), py::cast(propagate_down), Wrap(bottom));
  }

 private:
  std::string Where(const char* method) const {
    const PythonParameter& p = layer_param_.python_param();
    return "Python layer " + p.module() + "." + p.layer() + "." + method + "()";
  }
  static py::list Wrap(const std::vector<Blob*>& blobs) {
    py::list list;
    for (Blob* b : blobs) list.append(py::cast(b, py::return_value_policy::reference));
    return list;
  }
  // With the GIL held.
  template <class ErrorType, class... Args>
  void Call(const char* method, Args&&... args) {
    try {
      self_.attr(method)(std::forward<Args>(args)...);
    } catch (py::error_already_set& e) {
      throw ErrorType(Where(method) + " raised " + OneLine(e));
    }
  }

  py::object self_;
};

}  // namespace

std::unique_ptr<Layer> MakePythonLayer(const LayerParameter& param) {
  py::gil_scoped_acquire gil;
  const PythonParameter& p = param.python_param();
  if (p.module().empty() || p.layer().empty()) {
    throw ConfigError("python_param needs module and layer (the class), got module '" + p.module() +
                      "' and layer '" + p.layer() + "'");
  }
  py::object cls;
  try {
    cls = py::module_::import(p.module().c_str()).attr(p.layer().c_str());
  } catch (py::error_already_set& e) {
    throw ConfigError("python_param: cannot load " + p.module() + "." + p.layer() + ": " +
                      OneLine(e));
  }
  py::object self;
  try {
    self = cls();
  } catch (py::error_already_set& e) {
    throw ConfigError("python_param: " + p.module() + "." + p.layer() + "() raised " + OneLine(e));
  }
  self.attr("param_str") = p.param_str();
  self.attr("phase") = static_cast<int>(param.phase());
  auto layer = std::make_unique<PythonLayer>(param, self);
  // The layer owns `self`, so the view of its blobs never outlives it.
  self.attr("blobs") = LayerBlobs{layer.get()};
  return layer;
}

void BindPythonLayer(py::module_& m) {
  py::class_<LayerBlobs>(m, "_LayerBlobs")
      .def("__len__", [](const LayerBlobs& b) { return b.layer->blobs().size(); })
      .def(
          "__getitem__",
          [](const LayerBlobs& b, long i) {
            const long n = static_cast<long>(b.layer->blobs().size());
            if (i < 0) i += n;
            if (i < 0 || i >= n) throw py::index_error("layer has " + std::to_string(n) + " blobs");
            return b.layer->blobs()[static_cast<size_t>(i)].get();
          },
          py::return_value_policy::reference)
      .def("add_blob", [](LayerBlobs& b, py::args dims) {
        std::vector<int> shape;
        for (const auto& d : dims) shape.push_back(d.cast<int>());
        b.layer->blobs().push_back(std::make_shared<Blob>(shape));
      });
}

}  // namespace strata
