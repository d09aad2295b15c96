#include "strata/layers/broadcast.hpp"

#include "strata/errors.hpp"

namespace strata {

BroadcastView MakeBroadcastView(const Blob& bottom, int axis,
                                const std::vector<int>& operand_shape) {
  const int k = static_cast<int>(operand_shape.size());
  if (axis + k > bottom.num_axes() ||
      !std::equal(operand_shape.begin(), operand_shape.end(), bottom.shape().begin() + axis)) {
    throw ShapeError("operand shape " + ShapeString(operand_shape) + " does not match bottom " +
                     bottom.shape_string() + " from axis " + std::to_string(axis));
  }
  return {bottom.count(0, axis), bottom.count(axis, axis + k), bottom.count(axis + k)};
}

std::vector<int> LearnedOperandShape(const Blob& bottom, int axis, int num_axes) {
  if (num_axes < -1) throw ConfigError("num_axes must be -1 or more");
  const int end = num_axes == -1 ? bottom.num_axes() : axis + num_axes;
  if (end > bottom.num_axes()) {
    throw ShapeError("axis " + std::to_string(axis) + " and num_axes " + std::to_string(num_axes) +
                     " reach past the bottom shape " + bottom.shape_string());
  }
  return std::vector<int>(bottom.shape().begin() + axis, bottom.shape().begin() + end);
}

}  // namespace strata
