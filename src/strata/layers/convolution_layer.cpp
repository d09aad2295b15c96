#include "strata/layers/convolution_layer.hpp"

#include "strata/layer_registry.hpp"

namespace strata {

void ConvolutionLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* weights = blobs_[0]->data();
  for (size_t i = 0; i < bottom.size(); ++i) {
    const float* x = bottom[i]->data();
    float* y = top[i]->mutable_data();
    for (int n = 0; n < num_; ++n) {
      ForwardGemm(x + n * bottom_dim_, weights, y + n * top_dim_);
      if (bias_term_) ForwardBias(blobs_[1]->data(), y + n * top_dim_);
    }
  }
}

void ConvolutionLayer::BackwardCpu(const std::vector<Blob*>& top,
                                   const std::vector<bool>& propagate_down,
                                   const std::vector<Blob*>& bottom) {
  const float* weights = blobs_[0]->data();
  for (size_t i = 0; i < top.size(); ++i) {
    const float* dy = top[i]->diff();
    if (bias_term_ && param_propagate_down(1)) {
      for (int n = 0; n < num_; ++n) BackwardBias(dy + n * top_dim_, blobs_[1]->mutable_diff());
    }
    const float* x = bottom[i]->data();
    for (int n = 0; n < num_; ++n) {
      if (param_propagate_down(0)) {
        WeightGemm(x + n * bottom_dim_, dy + n * top_dim_, blobs_[0]->mutable_diff());
      }
      if (propagate_down[i]) {
        BackwardGemm(dy + n * top_dim_, weights, bottom[i]->mutable_diff() + n * bottom_dim_);
      }
    }
  }
}

STRATA_REGISTER_LAYER(Convolution);

}  // namespace strata
