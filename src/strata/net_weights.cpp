// Net weights and state: copying trained weights in (by layer name, shapes
// checked), sharing them between nets, the layers' saved random streams and
// data cursors, and writing the weights out.
#include <glog/logging.h>

#include "strata/errors.hpp"
#include "strata/net.hpp"
#include "strata/snapshot.hpp"

namespace strata {

void Net::CopyTrainedLayersFrom(const NetParameter& trained) {
  int with_blobs = 0, matched = 0;
  for (const auto& source : trained.layer()) {
    if (source.blobs_size() > 0) ++with_blobs;
    if (source.blobs_size() > 0 && layer_index_.count(source.name())) ++matched;
  }
  if (with_blobs > 0 && matched == 0) {
    std::string example;
    for (const auto& source : trained.layer()) {
      if (source.blobs_size() > 0 && example.empty()) example = source.name();
    }
    // Not an error: a net variant (another stage) may share no layer with the
    // weights and keep its initialization, as in Caffe. But say so.
    LOG(WARNING) << "none of the " << with_blobs << " layers with weights in the file (e.g. '"
                 << example << "') is a layer of net '" << name_
                 << "': nothing was copied (weights of another net?)";
  }
  for (const auto& source : trained.layer()) {
    auto it = layer_index_.find(source.name());
    if (it == layer_index_.end()) {
      VLOG(1) << "ignoring layer '" << source.name() << "' of the weights: not in this net";
      continue;
    }
    auto& target = layers_[it->second]->blobs();
    if (source.blobs_size() != static_cast<int>(target.size())) {
      throw ShapeError("layer '" + source.name() + "': the weights have " +
                       std::to_string(source.blobs_size()) + " blobs but the net expects " +
                       std::to_string(target.size()));
    }
    for (int j = 0; j < source.blobs_size(); ++j) {
      if (!target[j]->ShapeEquals(source.blobs(j))) {
        throw ShapeError("layer '" + source.name() + "' blob " + std::to_string(j) +
                         ": the weights have shape " + ShapeString(ProtoShape(source.blobs(j))) +
                         " but the net expects " + target[j]->shape_string());
      }
      try {
        target[j]->FromProto(source.blobs(j), /*reshape=*/false);
      } catch (const Error& e) {
        RethrowWithContext(e, "layer '" + source.name() + "' blob " + std::to_string(j) + ": ");
      }
    }
  }
}

void Net::CopyTrainedLayersFrom(const std::string& path) {
  NetParameter trained;
  ReadWeights(path, &trained);
  try {
    CopyTrainedLayersFrom(trained);
  } catch (const Error& e) {
    RethrowWithContext(e, path + ": ");
  }
}

void Net::ShareTrainedLayersWith(const Net& other) {
  for (size_t i = 0; i < other.layers_.size(); ++i) {
    auto it = layer_index_.find(other.layer_names_[i]);
    if (it == layer_index_.end()) continue;
    const auto& source = other.layers_[i]->blobs();
    auto& target = layers_[it->second]->blobs();
    if (source.size() != target.size()) {
      throw ShapeError("layer '" + other.layer_names_[i] + "' has " +
                       std::to_string(source.size()) + " blobs in one net and " +
                       std::to_string(target.size()) + " in the other");
    }
    for (size_t j = 0; j < source.size(); ++j) {
      if (source[j]->shape() != target[j]->shape()) {
        throw ShapeError("layer '" + other.layer_names_[i] + "' blob " + std::to_string(j) +
                         " has shape " + source[j]->shape_string() + " in one net and " +
                         target[j]->shape_string() + " in the other");
      }
      target[j]->ShareData(*source[j]);
    }
  }
}

std::vector<LayerState> Net::SaveLayerStates() const {
  std::vector<LayerState> states;
  for (const auto& layer : layers_) {
    states.emplace_back();
    layer->SaveState(&states.back());
  }
  return states;
}

void Net::RestoreLayerStates(const std::vector<LayerState>& states) {
  for (const auto& state : states) {
    auto it = layer_index_.find(state.layer());
    if (it == layer_index_.end()) {
      throw ConfigError("the snapshot has state for layer '" + state.layer() + "', which net '" +
                        name_ + "' does not have (was the net changed since the snapshot?)");
    }
    try {
      layers_[it->second]->RestoreState(state);
    } catch (const Error& e) {
      RethrowWithContext(e, Context(it->second));
    }
  }
}

void Net::ToProto(NetParameter* param, bool write_diff) const {
  param->Clear();
  param->set_name(name_);
  for (const auto& layer : layers_) layer->ToProto(param->add_layer(), write_diff);
}

}  // namespace strata
