#include "strata/layers/layer_norm_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

void LayerNormLayer::LayerSetUp(const std::vector<Blob*>& bottom,
                                const std::vector<Blob*>& /*top*/) {
  const LayerNormParameter& p = layer_param_.layer_norm_param();
  if (p.eps() < 0) throw ConfigError("layer_norm_param.eps must not be negative");
  axis_ = bottom[0]->CanonicalAxisIndex(p.axis());
  const std::vector<int> shape(bottom[0]->shape().begin() + axis_, bottom[0]->shape().end());
  FillerParameter ones;
  ones.set_type("constant");
  ones.set_value(1.f);
  SetUpParamBlobs({{"gamma", shape, &ones}, {"beta", shape}});
  param_propagate_down_.assign(2, true);
}

void LayerNormLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const std::vector<int> tail(bottom[0]->shape().begin() + axis_, bottom[0]->shape().end());
  if (bottom[0]->num_axes() <= axis_ || tail != blobs_[0]->shape()) {
    throw ShapeError("bottom shape " + bottom[0]->shape_string() + " does not end in the " +
                     blobs_[0]->shape_string() + " LayerNorm was set up with");
  }
  groups_ = bottom[0]->count(0, axis_);
  size_ = bottom[0]->count(axis_);
  top[0]->ReshapeLike(*bottom[0]);
  normalized_.ReshapeLike(*bottom[0]);
}

void LayerNormLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  stats_ = NormalizeGroups(bottom[0]->data(), groups_, size_, layer_param_.layer_norm_param().eps(),
                           /*eps_inside=*/true, true, normalized_.mutable_data());
  const float* n = normalized_.data();
  const float* gamma = blobs_[0]->data();
  const float* beta = blobs_[1]->data();
  float* y = top[0]->mutable_data();
  for (int g = 0; g < groups_; ++g) {
    for (int i = 0; i < size_; ++i) {
      const size_t at = static_cast<size_t>(g) * size_ + i;
      y[at] = n[at] * gamma[i] + beta[i];
    }
  }
}

void LayerNormLayer::BackwardCpu(const std::vector<Blob*>& top,
                                 const std::vector<bool>& propagate_down,
                                 const std::vector<Blob*>& bottom) {
  const float* dy = top[0]->diff();
  const float* n = normalized_.data();
  const float* gamma = blobs_[0]->data();
  for (int g = 0; g < groups_; ++g) {
    for (int i = 0; i < size_; ++i) {
      const size_t at = static_cast<size_t>(g) * size_ + i;
      if (param_propagate_down(0)) blobs_[0]->mutable_diff()[i] += dy[at] * n[at];
      if (param_propagate_down(1)) blobs_[1]->mutable_diff()[i] += dy[at];
    }
  }
  if (!propagate_down[0]) return;
  std::vector<float> scaled(top[0]->count());
  for (int g = 0; g < groups_; ++g) {
    for (int i = 0; i < size_; ++i) {
      const size_t at = static_cast<size_t>(g) * size_ + i;
      scaled[at] = dy[at] * gamma[i];
    }
  }
  NormalizeGroupsBackward(scaled.data(), n, groups_, size_, stats_, true,
                          bottom[0]->mutable_diff());
}

STRATA_REGISTER_LAYER(LayerNorm);

}  // namespace strata
