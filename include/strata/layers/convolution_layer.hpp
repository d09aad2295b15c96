// Convolution: y[n, o] = sum_c W[o, c] * x[n, c] (cross-correlation over 2 spatial axes,
// with pad, stride, dilation and channel groups) + b[o].
// Bottoms: one or more N x C x H x W blobs of equal shape, each giving one top
// N x num_output x H' x W', H' = (H + 2 pad - (dilation (k - 1) + 1)) / stride + 1.
// Params: W (num_output x C/group x kh x kw), b (num_output). In place: no.
// Reads convolution_param (see base_convolution_layer.hpp).
#pragma once

#include "strata/layers/base_convolution_layer.hpp"

namespace strata {

class ConvolutionLayer : public BaseConvolutionLayer {
 public:
  using BaseConvolutionLayer::BaseConvolutionLayer;
  const char* type() const override { return "Convolution"; }

 protected:
  bool reverse_dimensions() const override { return false; }
};

}  // namespace strata
