#include "strata/layers/prelu_layer.hpp"

#include "strata/errors.hpp"
#include "strata/filler.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

void PReLULayer::LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& /*top*/) {
  const PReLUParameter& p = layer_param_.prelu_param();
  if (bottom[0]->num_axes() < 2) {
    throw ShapeError("PReLU needs a channel axis; bottom shape " + bottom[0]->shape_string());
  }
  shared_ = p.channel_shared();
  channels_ = bottom[0]->shape(1);
  const std::vector<int> shape{shared_ ? 1 : channels_};
  FillerParameter filler = p.filler();
  if (!p.has_filler()) {  // Caffe's default: slopes of 0.25
    filler.set_type("constant");
    filler.set_value(0.25f);
  }
  SetUpParamBlobs({{"slopes", shape, &filler}});
  param_propagate_down_.assign(1, true);
}

void PReLULayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  if (bottom[0]->num_axes() < 2 || (!shared_ && bottom[0]->shape(1) != channels_)) {
    throw ShapeError("bottom shape " + bottom[0]->shape_string() + " does not have the " +
                     std::to_string(channels_) + " channels PReLU was set up with");
  }
  spatial_ = bottom[0]->count(2);
  top[0]->ReshapeLike(*bottom[0]);
  input_.ReshapeLike(*bottom[0]);
}

void PReLULayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  math::Copy(bottom[0]->count(), bottom[0]->data(), input_.mutable_data());
  const float* x = input_.data();
  const float* a = blobs_[0]->data();
  float* y = top[0]->mutable_data();
  for (int i = 0; i < bottom[0]->count(); ++i) y[i] = x[i] > 0 ? x[i] : a[channel(i)] * x[i];
}

void PReLULayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                             const std::vector<Blob*>& bottom) {
  const float* x = input_.data();
  const float* dy = top[0]->diff();
  const float* a = blobs_[0]->data();
  if (param_propagate_down(0)) {
    float* da = blobs_[0]->mutable_diff();
    for (int i = 0; i < top[0]->count(); ++i) {
      if (x[i] <= 0) da[channel(i)] += dy[i] * x[i];
    }
  }
  if (propagate_down[0]) {
    float* dx = bottom[0]->mutable_diff();
    for (int i = 0; i < top[0]->count(); ++i) dx[i] = x[i] > 0 ? dy[i] : a[channel(i)] * dy[i];
  }
}

STRATA_REGISTER_LAYER(PReLU);

}  // namespace strata
