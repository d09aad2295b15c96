#include "strata/layers/embed_layer.hpp"

#include "strata/errors.hpp"
#include "strata/filler.hpp"
#include "strata/layer_registry.hpp"
#include "strata/layers/label.hpp"
#include "strata/math.hpp"

namespace strata {

void EmbedLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/,
                            const std::vector<Blob*>& /*top*/) {
  const EmbedParameter& p = layer_param_.embed_param();
  if (p.num_output() == 0 || p.input_dim() == 0) {
    throw ConfigError("embed_param needs positive num_output and input_dim");
  }
  num_output_ = static_cast<int>(p.num_output());
  input_dim_ = static_cast<int>(p.input_dim());
  bias_term_ = p.bias_term();
  const std::vector<int> weight_shape{input_dim_, num_output_};
  std::vector<ParamBlobSpec> specs = {{"weight", weight_shape, &p.weight_filler()}};
  if (bias_term_) specs.push_back({"bias", {num_output_}, &p.bias_filler()});
  SetUpParamBlobs(specs);
  param_propagate_down_.assign(blobs_.size(), true);
}

void EmbedLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  std::vector<int> shape = bottom[0]->shape();
  shape.push_back(num_output_);
  top[0]->Reshape(shape);
}

int EmbedLayer::Index(float value, int position) const {
  const int index = LabelToInt(value, position, "index");
  if (static_cast<float>(index) != value || index < 0 || index >= input_dim_) {
    throw DataError("input " + std::to_string(value) + " at position " + std::to_string(position) +
                    " is not an integer in [0, " + std::to_string(input_dim_) + ")");
  }
  return index;
}

void EmbedLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  const float* w = blobs_[0]->data();
  float* y = top[0]->mutable_data();
  for (int i = 0; i < bottom[0]->count(); ++i) {
    const int index = Index(x[i], i);
    math::Copy(num_output_, w + static_cast<size_t>(index) * num_output_,
               y + static_cast<size_t>(i) * num_output_);
    if (bias_term_)
      math::Axpy(num_output_, 1.f, blobs_[1]->data(), y + static_cast<size_t>(i) * num_output_);
  }
}

void EmbedLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                             const std::vector<Blob*>& bottom) {
  if (propagate_down[0]) throw ConfigError("Embed cannot backpropagate to its integer inputs");
  const float* x = bottom[0]->data();
  const float* dy = top[0]->diff();
  for (int i = 0; i < bottom[0]->count(); ++i) {
    const float* row = dy + static_cast<size_t>(i) * num_output_;
    if (param_propagate_down(0)) {
      math::Axpy(num_output_, 1.f, row,
                 blobs_[0]->mutable_diff() + static_cast<size_t>(Index(x[i], i)) * num_output_);
    }
    if (bias_term_ && param_propagate_down(1)) {
      math::Axpy(num_output_, 1.f, row, blobs_[1]->mutable_diff());
    }
  }
}

STRATA_REGISTER_LAYER(Embed);

}  // namespace strata
