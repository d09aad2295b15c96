#include "strata/layers/parameter_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

void ParameterLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/,
                                const std::vector<Blob*>& top) {
  if (!layer_param_.parameter_param().has_shape())
    throw ConfigError("parameter_param.shape is required");
  const std::vector<int> shape = ToShapeVector(layer_param_.parameter_param().shape());
  SetUpParamBlobs({{"parameter", shape}});
  param_propagate_down_.assign(1, true);
  top[0]->Reshape(shape);
  top[0]->ShareData(*blobs_[0]);
}

void ParameterLayer::BackwardCpu(const std::vector<Blob*>& top,
                                 const std::vector<bool>& /*propagate_down*/,
                                 const std::vector<Blob*>& /*bottom*/) {
  if (param_propagate_down(0)) {
    math::Axpy(blobs_[0]->count(), 1.f, top[0]->diff(), blobs_[0]->mutable_diff());
  }
}

STRATA_REGISTER_LAYER(Parameter);

}  // namespace strata
