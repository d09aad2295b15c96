#include "strata/layers/batch_reindex_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/layers/label.hpp"
#include "strata/math.hpp"

namespace strata {

void BatchReindexLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  if (bottom[0]->num_axes() == 0 || bottom[1]->num_axes() != 1) {
    throw ShapeError("needs data with a first axis and a 1-D index blob, got " +
                     bottom[0]->shape_string() + " and " + bottom[1]->shape_string());
  }
  const int n = bottom[0]->shape(0);
  indices_.clear();
  for (int k = 0; k < bottom[1]->count(); ++k) {
    const float value = bottom[1]->data()[k];
    const int index = LabelToInt(value, k, "index");
    if (static_cast<float>(index) != value || index < 0 || index >= n) {
      throw DataError("index " + std::to_string(value) + " at position " + std::to_string(k) +
                      " is not an integer in [0, " + std::to_string(n) + ")");
    }
    indices_.push_back(index);
  }
  std::vector<int> shape = bottom[0]->shape();
  shape[0] = static_cast<int>(indices_.size());
  top[0]->Reshape(shape);
}

void BatchReindexLayer::ForwardCpu(const std::vector<Blob*>& bottom,
                                   const std::vector<Blob*>& top) {
  const int width = bottom[0]->count(1);
  for (size_t k = 0; k < indices_.size(); ++k) {
    math::Copy(width, bottom[0]->data() + static_cast<size_t>(indices_[k]) * width,
               top[0]->mutable_data() + k * width);
  }
}

void BatchReindexLayer::BackwardCpu(const std::vector<Blob*>& top,
                                    const std::vector<bool>& propagate_down,
                                    const std::vector<Blob*>& bottom) {
  if (propagate_down[1]) throw ConfigError("BatchReindex cannot backpropagate to its indices");
  if (!propagate_down[0]) return;
  const int width = bottom[0]->count(1);
  math::Set(bottom[0]->count(), 0.f, bottom[0]->mutable_diff());
  for (size_t k = 0; k < indices_.size(); ++k) {
    math::Axpy(width, 1.f, top[0]->diff() + k * width,
               bottom[0]->mutable_diff() + static_cast<size_t>(indices_[k]) * width);
  }
}

STRATA_REGISTER_LAYER(BatchReindex);

}  // namespace strata
