// Deconvolution (transposed convolution): the adjoint of Convolution with the
// same parameters, so that H' = stride (H - 1) + dilation (k - 1) + 1 - 2 pad.
// Bottoms: one or more N x C x H x W blobs; tops N x num_output x H' x W'.
// Params: W (C x num_output/group x kh x kw), as Caffe stores it; b (num_output).
// Reads convolution_param (see base_convolution_layer.hpp).
#pragma once

#include "strata/layers/base_convolution_layer.hpp"

namespace strata {

class DeconvolutionLayer : public BaseConvolutionLayer {
 public:
  using BaseConvolutionLayer::BaseConvolutionLayer;
  const char* type() const override { return "Deconvolution"; }

 protected:
  bool reverse_dimensions() const override { return true; }
};

}  // namespace strata
