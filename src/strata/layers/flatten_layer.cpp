#include "strata/layers/flatten_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void FlattenLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const FlattenParameter& p = layer_param_.flatten_param();
  const int start = bottom[0]->CanonicalAxisIndex(p.axis());
  const int end = bottom[0]->CanonicalAxisIndex(p.end_axis());
  if (end < start) {
    throw ConfigError("flatten_param.end_axis " + std::to_string(p.end_axis()) +
                      " comes before axis " + std::to_string(p.axis()) + " for bottom shape " +
                      bottom[0]->shape_string());
  }
  std::vector<int> shape(bottom[0]->shape().begin(), bottom[0]->shape().begin() + start);
  shape.push_back(bottom[0]->count(start, end + 1));
  shape.insert(shape.end(), bottom[0]->shape().begin() + end + 1, bottom[0]->shape().end());
  top[0]->Reshape(shape);
  top[0]->ShareData(*bottom[0]);
  top[0]->ShareDiff(*bottom[0]);
}

STRATA_REGISTER_LAYER(Flatten);

}  // namespace strata
