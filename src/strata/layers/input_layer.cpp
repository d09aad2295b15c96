#include "strata/layers/input_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void InputLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& top) {
  const InputParameter& param = layer_param_.input_param();
  const int num_shapes = param.shape_size();
  if (num_shapes != 0 && num_shapes != 1 && num_shapes != static_cast<int>(top.size())) {
    throw ConfigError("input_param has " + std::to_string(num_shapes) + " shapes for " +
                      std::to_string(top.size()) + " tops; give one shape, or one per top");
  }
  if (num_shapes == 0) return;  // the user shapes the tops before Forward
  for (size_t i = 0; i < top.size(); ++i) {
    top[i]->Reshape(param.shape(num_shapes == 1 ? 0 : static_cast<int>(i)));
  }
}

STRATA_REGISTER_LAYER(Input);

}  // namespace strata
