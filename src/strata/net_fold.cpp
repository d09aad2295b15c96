// BatchNorm folding for inference nets (NetOptions::fold_batch_norm): a
// product layer (Convolution, or InnerProduct on N x C) whose top is
// normalised in place by a BatchNorm on stored statistics, and then scaled in
// place per channel by a Scale, computes
//   z_c = gamma_c * (W_c x + b_c - mean_c) / sqrt(var_c + eps) + beta_c
//       = (a_c W_c) x + (a_c b_c + beta_c - a_c mean_c),  a_c = gamma_c / sqrt(var_c + eps),
// so one layer with the weights a_c W_c and that bias does all three; a
// convolution's folded layer also applies an in-place ReLU that follows
// (BaseConvolutionLayer::FuseReLU). The chain must be in place on one blob:
// no layer can read the values between.
//
// Training chains (NetOptions::fuse_batch_norm_chains): a BatchNorm on batch
// statistics whose top is scaled in place per channel by a Scale, and
// optionally rectified in place by a ReLU, runs as the BatchNorm's fused
// passes (batch_norm_layer.hpp); the net skips the Scale's and the ReLU's own.
// So does an Eltwise SUM with an in-place ReLU after it (NetOptions::
// fuse_sum_relu, a residual block's end), in training and inference.
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/layers/base_convolution_layer.hpp"
#include "strata/layers/batch_norm_layer.hpp"
#include "strata/layers/eltwise_layer.hpp"
#include "strata/net.hpp"

namespace strata {

namespace {

bool InPlaceOn(const LayerParameter& p, const std::string& blob) {
  return p.bottom_size() == 1 && p.top_size() == 1 && p.bottom(0) == blob && p.top(0) == blob;
}

// The product layers that fold, and whether `p` is one: weights with the
// output channels first (not a transposed InnerProduct, nor a Deconvolution).
bool IsFoldableProduct(const LayerParameter& p, const Blob& top) {
  if (p.top_size() != 1) return false;
  if (p.type() == "Convolution") return top.num_axes() >= 2;
  if (p.type() == "InnerProduct") {
    return !p.inner_product_param().transpose() && p.inner_product_param().axis() == 1 &&
           top.num_axes() == 2;
  }
  return false;
}

bool IsInPlaceReLU(const LayerParameter& p, const std::string& blob) {
  return p.type() == "ReLU" && InPlaceOn(p, blob);
}

// A per-channel Scale with learned factors (one bottom, axis 1, one axis).
bool IsChannelScale(const LayerParameter& p, const Blob& top) {
  const ScaleParameter& s = p.scale_param();
  const int axis = s.axis() < 0 ? s.axis() + top.num_axes() : s.axis();
  return p.type() == "Scale" && axis == 1 && s.num_axes() == 1;
}

}  // namespace

void Net::PlanBatchNormFolding() {
  fold_of_.assign(layers_.size(), -1);
  for (size_t i = 0; i + 1 < layers_.size(); ++i) {
    const LayerParameter& product = layers_[i]->layer_param();
    // A layer without tops (Silence) folds nothing.
    if (top_vecs_[i].empty() || !IsFoldableProduct(product, *top_vecs_[i][0])) continue;
    const std::string& blob = product.top(0);
    const LayerParameter& bn = layers_[i + 1]->layer_param();
    const BatchNormParameter& b = bn.batch_norm_param();
    if (bn.type() != "BatchNorm" || !InPlaceOn(bn, blob) ||
        (b.has_use_global_stats() && !b.use_global_stats())) {
      continue;
    }
    Fold fold;
    fold.layers = {static_cast<int>(i), static_cast<int>(i + 1)};
    if (i + 2 < layers_.size() && InPlaceOn(layers_[i + 2]->layer_param(), blob) &&
        IsChannelScale(layers_[i + 2]->layer_param(), *top_vecs_[i][0])) {
      fold.layers.push_back(static_cast<int>(i + 2));
      fold.scaled = true;
    }
    // A convolution rectifies its own output where an in-place ReLU follows.
    const size_t next = static_cast<size_t>(fold.layers.back()) + 1;
    const bool relu = product.type() == "Convolution" && next < layers_.size() &&
                      IsInPlaceReLU(layers_[next]->layer_param(), blob);
    if (relu) fold.layers.push_back(static_cast<int>(next));
    LayerParameter param = product;
    param.clear_blobs();
    param.clear_param();
    if (param.type() == "Convolution") {
      param.mutable_convolution_param()->set_bias_term(true);
    } else {
      param.mutable_inner_product_param()->set_bias_term(true);
    }
    fold.name = ChainName(fold.layers);
    param.set_name(fold.name);
    fold.folded = LayerRegistry::Create(param);
    fold.folded->SetUp(bottom_vecs_[i], top_vecs_[i]);
    if (relu) {
      static_cast<BaseConvolutionLayer&>(*fold.folded)
          .FuseReLU(layers_[next]->layer_param().relu_param().negative_slope());
    }
    i = AddFold(std::move(fold));
  }
  if (folds_.empty()) fold_of_.clear();
}

std::string Net::ChainName(const std::vector<int>& layers) const {
  std::string name;
  for (int l : layers) name += (name.empty() ? "" : "+") + layer_names_[l];
  return name;
}

size_t Net::AddFold(Fold fold) {
  if (fold.name.empty()) fold.name = ChainName(fold.layers);
  for (int l : fold.layers) fold_of_[l] = static_cast<int>(folds_.size());
  folds_.push_back(std::move(fold));
  return static_cast<size_t>(folds_.back().layers.back());
}

void Net::RefreshFold(size_t chain) {
  Fold& fold = folds_[chain];
  std::vector<std::pair<const Storage*, uint64_t>> sources;
  for (int l : fold.layers) {
    for (const auto& blob : layers_[l]->blobs()) {
      sources.emplace_back(&blob->data_storage(), blob->data_storage().writes());
    }
  }
  if (sources == fold.sources) return;

  const Layer& product = *layers_[fold.layers[0]];
  const Layer& bn = *layers_[fold.layers[1]];
  const Layer* scale = fold.scaled ? layers_[fold.layers[2]].get() : nullptr;
  const Blob& weights = *product.blobs()[0];
  const float* bias = product.blobs().size() > 1 ? product.blobs()[1]->data() : nullptr;
  const int channels = weights.shape(0);
  const size_t per_channel = static_cast<size_t>(weights.count()) / channels;
  const float stored = bn.blobs()[2]->data()[0];
  const double factor = stored == 0.f ? 0.0 : 1.0 / stored;
  const double eps = bn.layer_param().batch_norm_param().eps();
  float* folded_weights = fold.folded->blobs()[0]->mutable_data();
  float* folded_bias = fold.folded->blobs()[1]->mutable_data();
  for (int c = 0; c < channels; ++c) {
    const double mean = bn.blobs()[0]->data()[c] * factor;
    const double var = bn.blobs()[1]->data()[c] * factor;
    if (!std::isfinite(mean) || !std::isfinite(var) || var < 0) {
      throw DataError("layer '" + layer_names_[fold.layers[1]] +
                      "': stored statistics of channel " + std::to_string(c) + " are mean " +
                      std::to_string(mean) + ", variance " + std::to_string(var) +
                      ": the variance must be finite and non-negative");
    }
    const double gamma = scale ? scale->blobs()[0]->data()[c] : 1.0;
    const double beta = scale && scale->blobs().size() > 1 ? scale->blobs()[1]->data()[c] : 0.0;
    const double a = gamma / std::sqrt(var + eps);
    const float* w = weights.data() + c * per_channel;
    float* out = folded_weights + c * per_channel;
    for (size_t k = 0; k < per_channel; ++k) out[k] = static_cast<float>(a * w[k]);
    folded_bias[c] = static_cast<float>(a * ((bias ? bias[c] : 0.0) - mean) + beta);
  }
  fold.sources = std::move(sources);
}

void Net::PlanBatchNormChains() {
  if (fold_of_.empty()) fold_of_.assign(layers_.size(), -1);
  for (size_t i = 0; i + 1 < layers_.size(); ++i) {
    auto* bn = dynamic_cast<BatchNormLayer*>(layers_[i].get());
    if (bn == nullptr || fold_of_[i] >= 0 || !bn->uses_batch_statistics()) continue;
    const std::string& blob = bn->layer_param().top(0);
    Layer* scale = layers_[i + 1].get();
    if (!InPlaceOn(scale->layer_param(), blob) ||
        !IsChannelScale(scale->layer_param(), *top_vecs_[i][0])) {
      continue;
    }
    Fold fold;
    fold.layers = {static_cast<int>(i), static_cast<int>(i + 1)};
    const Layer* relu = nullptr;
    if (i + 2 < layers_.size() && IsInPlaceReLU(layers_[i + 2]->layer_param(), blob)) {
      relu = layers_[i + 2].get();
      fold.layers.push_back(static_cast<int>(i + 2));
    }
    // A weighted loss on a top between would need the values the chain skips.
    bool weighted = false;
    for (int l : fold.layers) weighted = weighted || layers_[l]->loss(0) != 0.f;
    if (weighted) continue;
    bn->FuseFollowers(scale, relu);
    i = AddFold(std::move(fold));
  }
  if (folds_.empty()) fold_of_.clear();
}

void Net::PlanSumReLU() {
  if (fold_of_.empty()) fold_of_.assign(layers_.size(), -1);
  for (size_t i = 0; i + 1 < layers_.size(); ++i) {
    auto* sum = dynamic_cast<EltwiseLayer*>(layers_[i].get());
    if (sum == nullptr || !sum->is_sum() || fold_of_[i] >= 0 || fold_of_[i + 1] >= 0) continue;
    const LayerParameter& relu = layers_[i + 1]->layer_param();
    // A weighted loss on the sum would need the values before the ReLU.
    if (!IsInPlaceReLU(relu, sum->layer_param().top(0)) || sum->loss(0) != 0.f ||
        layers_[i + 1]->loss(0) != 0.f) {
      continue;
    }
    sum->FuseReLU(relu.relu_param().negative_slope());
    Fold fold;
    fold.layers = {static_cast<int>(i), static_cast<int>(i + 1)};
    i = AddFold(std::move(fold));
  }
  if (folds_.empty()) fold_of_.clear();
}

bool Net::BackwardFusedChain(int i) {
  const int chain = fold_of_.empty() ? -1 : fold_of_[i];
  if (chain < 0 || folds_[chain].folded) return false;
  const std::vector<int>& layers = folds_[chain].layers;
  if (i != layers.back()) return true;
  bool needed = false;
  for (int l : layers) needed = needed || layer_need_backward_[l];
  if (!needed) return true;
  const int head = layers.front();
  layers_[head]->Backward(top_vecs_[head], bottom_need_backward_[head], bottom_vecs_[head]);
  if (debug_info_) {
    for (auto l = layers.rbegin(); l != layers.rend(); ++l) BackwardDebugInfo(*l);
  }
  return true;
}

std::vector<std::string> Net::folded_layers() const {
  std::vector<std::string> names;
  for (const Fold& fold : folds_) {
    if (fold.folded) names.push_back(fold.name);
  }
  return names;
}

std::string Net::FoldedInto(int layer_index) const {
  if (fold_of_.empty() || fold_of_.at(layer_index) < 0) return {};
  return folds_[fold_of_[layer_index]].name;
}

std::pair<int, int> Net::FoldedRange(int layer_index) const {
  if (fold_of_.empty() || fold_of_.at(layer_index) < 0) return {layer_index, layer_index};
  const std::vector<int>& layers = folds_[fold_of_[layer_index]].layers;
  return {layers.front(), layers.back()};
}

}  // namespace strata
