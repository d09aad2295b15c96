#include "strata/layers/convolution_layer.hpp"

#include "strata/layer_registry.hpp"

namespace strata {

// The computation is BaseConvolutionLayer's; this layer fixes its direction.
STRATA_REGISTER_LAYER(Convolution);

}  // namespace strata
