#include "strata/layers/reshape_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void ReshapeLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const ReshapeParameter& p = layer_param_.reshape_param();
  const Blob& x = *bottom[0];
  const int n = x.num_axes();
  const int start = p.axis() < 0 ? p.axis() + n + 1 : p.axis();
  if (start < 0 || start > n) {
    throw ShapeError("reshape_param.axis " + std::to_string(p.axis()) + " is out of range for " +
                     x.shape_string());
  }
  const int end = p.num_axes() == -1 ? n : start + p.num_axes();
  if (p.num_axes() < -1 || end > n) {
    throw ShapeError("reshape_param.num_axes " + std::to_string(p.num_axes()) +
                     " reaches past the bottom shape " + x.shape_string());
  }
  std::vector<int> shape(x.shape().begin(), x.shape().begin() + start);
  int inferred = -1;
  for (int i = 0; i < p.shape().dim_size(); ++i) {
    const long long dim = p.shape().dim(i);
    if (dim == 0) {
      if (start + i >= n) throw ShapeError("a 0 in reshape_param.shape copies a missing axis");
      shape.push_back(x.shape(start + i));
    } else if (dim == -1) {
      if (inferred >= 0) throw ConfigError("reshape_param.shape may hold at most one -1");
      inferred = static_cast<int>(shape.size());
      shape.push_back(1);
    } else if (dim < -1) {
      throw ConfigError("reshape_param.shape has a negative dimension " + std::to_string(dim));
    } else {
      shape.push_back(static_cast<int>(dim));
    }
  }
  shape.insert(shape.end(), x.shape().begin() + end, x.shape().end());
  long long product = 1;
  for (int d : shape) product *= d;
  if (inferred >= 0) {
    // An empty batch (count 0) says nothing about the -1: infer it from the
    // dimensions that are not 0 on both sides, as a full batch would.
    long long have = x.count(), want = product;
    if (have == 0) {
      have = want = 1;
      for (int d : x.shape()) have *= d ? d : 1;
      for (int d : shape) want *= d ? d : 1;
    }
    if (want == 0 || have % want != 0) {
      throw ShapeError("cannot infer the -1 of the new shape for bottom " + x.shape_string());
    }
    shape[inferred] = static_cast<int>(have / want);
    product = 1;
    for (int d : shape) product *= d;
  }
  if (product != x.count()) {
    throw ShapeError("the new shape " + ShapeString(shape) + " holds " + std::to_string(product) +
                     " values but the bottom " + x.shape_string() + " holds " +
                     std::to_string(x.count()));
  }
  top[0]->Reshape(shape);
  top[0]->ShareData(x);
  top[0]->ShareDiff(x);
}

STRATA_REGISTER_LAYER(Reshape);

}  // namespace strata
