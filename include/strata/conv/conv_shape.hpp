// The shape of one convolution as its algorithms see it, in the
// convolution's direction: "in" is the convolution's input (a
// Deconvolution's top) and "out" its output. Image b's input starts at
// b * in_dim(), its output at b * out_dim(); group g owns input channels
// [g, g + 1) * window.channels / group and output channels likewise; the
// weights are out_channels x (input channels / group) x kernel_h x kernel_w.
#pragma once

#include <cstddef>

#include "strata/math.hpp"

namespace strata {

struct ConvShape {
  math::Window2d window{};  // the input image with all groups' channels
  int group = 1;
  int out_channels = 0;  // all groups'
  int images = 0;        // in the batch

  math::Window2d group_window() const {
    math::Window2d w = window;
    w.channels /= group;
    return w;
  }
  int group_out_channels() const { return out_channels / group; }
  // Depth of a group's product: its input channels times the kernel's area.
  int group_depth() const { return window.channels / group * window.kernel_h * window.kernel_w; }
  int out_spatial() const { return window.output_height() * window.output_width(); }
  size_t in_dim() const {
    return static_cast<size_t>(window.channels) * window.height * window.width;
  }
  size_t out_dim() const { return static_cast<size_t>(out_channels) * out_spatial(); }
  size_t group_in_dim() const { return in_dim() / group; }
  size_t group_weights() const { return static_cast<size_t>(group_out_channels()) * group_depth(); }
};

}  // namespace strata
