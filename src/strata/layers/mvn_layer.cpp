#include "strata/layers/mvn_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void MVNLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const bool across = layer_param_.mvn_param().across_channels();
  if (bottom[0]->num_axes() < (across ? 1 : 2)) {
    throw ShapeError("MVN needs an example" + std::string(across ? "" : " and a channel") +
                     " axis; bottom shape " + bottom[0]->shape_string());
  }
  groups_ = across ? bottom[0]->shape(0) : bottom[0]->count(0, 2);
  size_ = groups_ ? bottom[0]->count() / groups_ : 0;
  top[0]->ReshapeLike(*bottom[0]);
}

void MVNLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const MVNParameter& p = layer_param_.mvn_param();
  stats_ = NormalizeGroups(bottom[0]->data(), groups_, size_, p.eps(), /*eps_inside=*/false,
                           p.normalize_variance(), top[0]->mutable_data());
}

void MVNLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                           const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  NormalizeGroupsBackward(top[0]->diff(), top[0]->data(), groups_, size_, stats_,
                          layer_param_.mvn_param().normalize_variance(), bottom[0]->mutable_diff());
}

STRATA_REGISTER_LAYER(MVN);

}  // namespace strata
