// The layer type "Python" (pycaffe's PythonLayer): a subclass of
// strata.Layer, named by python_param, runs setup, reshape, forward and
// backward on views of the net's blobs.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

#include "strata/layer.hpp"

namespace strata {

// A Python exception in one line: its type, message and where it was raised
// (pybind11's what() appends the whole traceback on further lines).
std::string OneLine(const pybind11::error_already_set& e);

// The registry's creator of "Python" layers. Loading the module or making
// the object fails with a ConfigError naming the module and class.
std::unique_ptr<Layer> MakePythonLayer(const LayerParameter& param);

// Binds what Python layers see besides blobs: self.blobs (their parameters).
void BindPythonLayer(pybind11::module_& m);

}  // namespace strata
