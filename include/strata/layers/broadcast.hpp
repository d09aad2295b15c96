// The outer x dim x inner view shared by Scale and Bias: an operand of shape
// bottom.shape[axis : axis + k] broadcast over the axes before and after it.
#pragma once

#include "strata/blob.hpp"

namespace strata {

struct BroadcastView {
  int outer = 1, dim = 1, inner = 1;
};

// `operand_shape` must equal bottom.shape[axis : axis + operand_shape.size()]
// (ShapeError naming both shapes otherwise).
BroadcastView MakeBroadcastView(const Blob& bottom, int axis,
                                const std::vector<int>& operand_shape);

// The operand shape for a learned parameter: bottom.shape[axis : axis + num_axes],
// num_axes -1 meaning "to the end".
std::vector<int> LearnedOperandShape(const Blob& bottom, int axis, int num_axes);

}  // namespace strata
