#include "strata/net.hpp"

#include <glog/logging.h>

#include <algorithm>
#include <set>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/upgrade.hpp"

namespace strata {

bool Net::StateIncludesLayer(const NetState& state, const LayerParameter& layer) {
  if (layer.include_size() > 0 && layer.exclude_size() > 0) {
    throw ConfigError("give include or exclude rules, not both");
  }
  if (layer.include_size() > 0) {
    for (const auto& rule : layer.include()) {
      if (Net::StateMeetsRule(state, rule)) return true;
    }
    return false;
  }
  for (const auto& rule : layer.exclude()) {
    if (Net::StateMeetsRule(state, rule)) return false;
  }
  return true;
}

namespace {

std::string SplitLayerName(const std::string& layer, const std::string& blob, int top) {
  return blob + "_" + layer + "_" + std::to_string(top) + "_split";
}

std::string SplitBlobName(const std::string& layer, const std::string& blob, int top, int k) {
  return blob + "_" + layer + "_" + std::to_string(top) + "_split_" + std::to_string(k);
}

// The options of the seed-only constructor: every blob keeps its memory; the
// fusions stay on, so that every way to build a training net runs the same.
NetOptions KeepEveryBlob(uint64_t seed) {
  NetOptions options;
  options.seed = seed;
  options.reuse_activations = false;
  return options;
}

}  // namespace

bool Net::StateMeetsRule(const NetState& state, const NetStateRule& rule) {
  if (rule.has_phase() && rule.phase() != state.phase()) return false;
  if (rule.has_min_level() && state.level() < rule.min_level()) return false;
  if (rule.has_max_level() && state.level() > rule.max_level()) return false;
  const std::set<std::string> stages(state.stage().begin(), state.stage().end());
  for (const auto& stage : rule.stage()) {
    if (!stages.count(stage)) return false;
  }
  for (const auto& stage : rule.not_stage()) {
    if (stages.count(stage)) return false;
  }
  return true;
}

NetParameter InsertSplits(const NetParameter& param, std::vector<int>* origin) {
  using TopId = std::pair<int, int>;  // (layer, top)
  const int n = param.layer_size();
  std::map<std::string, TopId> last_producer;
  std::map<TopId, int> consumers;
  std::map<TopId, float> loss_weight;
  std::vector<std::vector<TopId>> bottom_source(n);
  for (int i = 0; i < n; ++i) {
    const LayerParameter& layer = param.layer(i);
    for (const auto& bottom : layer.bottom()) {
      auto it = last_producer.find(bottom);
      const TopId source = it == last_producer.end() ? TopId(-1, -1) : it->second;
      bottom_source[i].push_back(source);
      if (source.first >= 0) ++consumers[source];
    }
    for (int j = 0; j < layer.top_size(); ++j) {
      last_producer[layer.top(j)] = TopId(i, j);
      if (j < layer.loss_weight_size() && layer.loss_weight(j) != 0.f) {
        loss_weight[TopId(i, j)] = layer.loss_weight(j);
      }
    }
  }
  // A consumed top that also carries a loss gets one more split output for the loss.
  auto split_count = [&](const TopId& id) {
    const int count = consumers.count(id) ? consumers[id] : 0;
    return count + (count > 0 && loss_weight.count(id) ? 1 : 0);
  };

  NetParameter result = param;
  result.clear_layer();
  origin->clear();
  std::map<TopId, int> next_split;
  for (int i = 0; i < n; ++i) {
    LayerParameter layer = param.layer(i);
    for (int j = 0; j < layer.bottom_size(); ++j) {
      const TopId& source = bottom_source[i][j];
      if (source.first < 0 || split_count(source) <= 1) continue;
      if (!next_split.count(source)) next_split[source] = loss_weight.count(source) ? 1 : 0;
      layer.set_bottom(j, SplitBlobName(param.layer(source.first).name(), layer.bottom(j),
                                        source.second, next_split[source]++));
    }
    std::vector<LayerParameter> splits;
    for (int j = 0; j < layer.top_size(); ++j) {
      const TopId id(i, j);
      const int count = split_count(id);
      if (count <= 1) continue;
      LayerParameter split;
      split.set_name(SplitLayerName(layer.name(), layer.top(j), j));
      split.set_type("Split");
      split.add_bottom(layer.top(j));
      for (int k = 0; k < count; ++k) {
        split.add_top(SplitBlobName(layer.name(), layer.top(j), j, k));
      }
      if (loss_weight.count(id)) {
        for (int k = 0; k < count; ++k) split.add_loss_weight(k == 0 ? loss_weight[id] : 0.f);
        layer.set_loss_weight(j, 0.f);
      }
      splits.push_back(split);
    }
    *result.add_layer() = layer;
    origin->push_back(i);
    for (auto& split : splits) {
      *result.add_layer() = split;
      origin->push_back(i);
    }
  }
  return result;
}

Net::Net(const std::string& path, Phase phase, const NetOptions& options) {
  NetParameter param;
  NetSource source;
  ReadNetParameterFromTextFile(path, &param, &source);
  NetState* state = param.mutable_state();
  state->set_phase(phase);
  state->set_level(options.level);
  for (const auto& stage : options.stages) state->add_stage(stage);
  data_shard_ = options.data_shard;
  Init(param, options.seed, &source);
  if (options.reuse_activations && phase_ == TEST && !param.force_backward()) {
    PlanActivationMemory(options.keep_blobs);
    if (options.fold_batch_norm) PlanBatchNormFolding();
  }
  if (options.fuse_batch_norm_chains) PlanBatchNormChains();
  if (options.fuse_sum_relu) PlanSumReLU();
}

Net::Net(const NetParameter& param, const NetOptions& options, const NetSource* source) {
  data_shard_ = options.data_shard;
  if (options.level == 0 && options.stages.empty()) {
    Init(param, options.seed, source);
  } else {
    NetParameter with_options = param;
    NetState* state = with_options.mutable_state();
    if (options.level != 0) state->set_level(options.level);
    for (const auto& stage : options.stages) state->add_stage(stage);
    Init(with_options, options.seed, source);
  }
  if (options.reuse_activations && phase_ == TEST && !param.force_backward()) {
    PlanActivationMemory(options.keep_blobs);
    if (options.fold_batch_norm) PlanBatchNormFolding();
  }
  if (options.fuse_batch_norm_chains) PlanBatchNormChains();
  if (options.fuse_sum_relu) PlanSumReLU();
}

Net::Net(const NetParameter& param, uint64_t seed, const NetSource* source)
    : Net(param, KeepEveryBlob(seed), source) {}

std::string Net::Context(int layer_index) const {
  const int origin = source_index_[layer_index];
  return source_.Where(origin) + "layer '" + layer_names_[layer_index] + "' (" +
         layers_types_[layer_index] + "): ";
}

void Net::Init(const NetParameter& in_param, uint64_t seed, const NetSource* source) {
  if (source != nullptr) source_ = *source;
  NetParameter param = in_param;
  const std::string file_prefix = source_.path.empty() ? "" : source_.path + ": ";
  // Index of each layer of `param` in the file (V1 `layers` count like `layer`); -1 for
  // layers Strata adds.
  std::vector<int> file_index(std::max(param.layer_size(), param.layers_size()));
  for (size_t i = 0; i < file_index.size(); ++i) file_index[i] = static_cast<int>(i);
  try {
    const bool had_inputs = param.input_size() > 0;
    if (UpgradeNetParameter(&param) && had_inputs) file_index.insert(file_index.begin(), -1);
    file_index.resize(param.layer_size(), -1);
  } catch (const Error& e) {
    RethrowWithContext(e, file_prefix);
  }
  name_ = param.name();
  phase_ = param.state().phase();
  debug_info_ = param.debug_info();

  NetParameter filtered = param;
  filtered.clear_layer();
  std::vector<int> kept;
  for (int i = 0; i < param.layer_size(); ++i) {
    try {
      if (!StateIncludesLayer(param.state(), param.layer(i))) continue;
    } catch (const Error& e) {
      RethrowWithContext(e,
                         source_.Where(file_index[i]) + "layer '" + param.layer(i).name() + "': ");
    }
    *filtered.add_layer() = param.layer(i);
    kept.push_back(file_index[i]);
  }
  std::vector<int> origin;
  const NetParameter wired = InsertSplits(filtered, &origin);

  Rng net_rng(seed);
  std::set<std::string> available;
  std::vector<std::string> available_order;
  for (int i = 0; i < wired.layer_size(); ++i) {
    LayerParameter layer_param = wired.layer(i);
    if (!layer_param.has_phase()) layer_param.set_phase(phase_);
    source_index_.push_back(kept[origin[i]]);
    layer_names_.push_back(layer_param.name());
    layers_types_.push_back(layer_param.type());
    try {
      if (layer_param.name().empty()) throw ConfigError("every layer needs a name");
      if (layer_index_.count(layer_param.name())) {
        throw ConfigError("another layer already has this name");
      }
      layer_index_[layer_param.name()] = i;
      if (layer_param.propagate_down_size() > 0 &&
          layer_param.propagate_down_size() != layer_param.bottom_size()) {
        throw ConfigError("has " + std::to_string(layer_param.propagate_down_size()) +
                          " propagate_down values for " +
                          std::to_string(layer_param.bottom_size()) + " bottoms");
      }
      layers_.push_back(LayerRegistry::Create(layer_param));
      Layer& layer = *layers_.back();
      const uint64_t layer_seed = net_rng.NextSeed();
      if (layer.ReadsDataShards()) {
        layer.SetDataShard(data_shard_);
        layer.Seed(layer_seed);
      } else {
        layer.Seed(layer_seed + 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(data_shard_.index));
      }

      bottom_vecs_.emplace_back();
      bottom_ids_.emplace_back();
      for (const auto& bottom : layer_param.bottom()) {
        if (!available.count(bottom)) {
          for (int later = i + 1; later < wired.layer_size(); ++later) {
            for (const auto& top : wired.layer(later).top()) {
              if (top != bottom) continue;
              throw ConfigError("bottom '" + bottom + "' is produced only by the later layer '" +
                                wired.layer(later).name() +
                                "': a layer must come after the layers it reads (a cycle, or "
                                "layers out of order)");
            }
          }
          throw ConfigError("bottom '" + bottom + "' is not produced by any earlier layer" +
                            (blob_index_.count(bottom) ? " (or is already consumed)" : ""));
        }
        available.erase(bottom);
        const int id = blob_index_.at(bottom);
        bottom_vecs_.back().push_back(blobs_[id].get());
        bottom_ids_.back().push_back(id);
      }
      top_vecs_.emplace_back();
      top_ids_.emplace_back();
      for (int j = 0; j < layer_param.top_size(); ++j) {
        const std::string& top = layer_param.top(j);
        int id;
        if (j < layer_param.bottom_size() && layer_param.bottom(j) == top) {
          if (!layer.AllowsInPlace()) {
            throw ConfigError("cannot run in place: top '" + top +
                              "' is also its bottom; give the top its own name");
          }
          id = bottom_ids_.back()[j];
        } else if (blob_index_.count(top)) {
          throw ConfigError("top '" + top +
                            "' is already produced by an earlier layer; top names must be unique "
                            "unless a layer runs in place (top named like its bottom)");
        } else {
          id = static_cast<int>(blobs_.size());
          blobs_.push_back(std::make_unique<Blob>());
          blob_names_.push_back(top);
          blob_index_[top] = id;
        }
        if (!available.count(top)) available_order.push_back(top);
        available.insert(top);
        top_vecs_.back().push_back(blobs_[id].get());
        top_ids_.back().push_back(id);
        if (layer_param.type() == "Input") input_blobs_.push_back(blobs_[id].get());
      }
      layer.SetUp(bottom_vecs_.back(), top_vecs_.back());
      AppendParams(i);
    } catch (const Error& e) {
      RethrowWithContext(e, Context(i));
    }
  }
  std::vector<float> blob_loss_weight(blobs_.size(), 0.f);
  for (size_t i = 0; i < layers_.size(); ++i) {
    for (size_t t = 0; t < top_ids_[i].size(); ++t) {
      const float weight = layers_[i]->loss(static_cast<int>(t));
      if (weight != 0.f) blob_loss_weight[top_ids_[i][t]] = weight;
    }
  }
  for (const auto& name : available_order) {
    if (!available.count(name)) continue;
    output_blobs_.push_back(blobs_[blob_index_[name]].get());
    output_blob_names_.push_back(name);
    output_loss_weights_.push_back(blob_loss_weight[blob_index_[name]]);
  }
  DecideBackward(param.force_backward());
  try {
    CheckMemoryFits();
  } catch (const Error& e) {
    RethrowWithContext(e, file_prefix);
  }
}

void Net::AppendParams(int layer_index) {
  Layer& layer = *layers_[layer_index];
  const LayerParameter& lp = layer.layer_param();
  const int num_blobs = static_cast<int>(layer.blobs().size());
  if (lp.param_size() > num_blobs) {
    throw ConfigError("has " + std::to_string(lp.param_size()) + " param specs but only " +
                      std::to_string(num_blobs) + " parameter blobs");
  }
  for (int j = 0; j < num_blobs; ++j) {
    const ParamSpec spec = j < lp.param_size() ? lp.param(j) : ParamSpec();
    Blob* blob = layer.blobs()[j].get();
    const int net_index = static_cast<int>(params_.size());
    params_.push_back(blob);
    layer.set_param_propagate_down(j, spec.lr_mult() != 0.f);
    auto owner_it =
        spec.name().empty() ? param_name_index_.end() : param_name_index_.find(spec.name());
    if (owner_it == param_name_index_.end()) {
      if (!spec.name().empty()) param_name_index_[spec.name()] = net_index;
      param_owners_.push_back(-1);
      learnable_index_.push_back(static_cast<int>(learnable_params_.size()));
      learnable_params_.push_back(blob);
      learnable_param_layers_.push_back(layer_index);
      params_lr_.push_back(spec.lr_mult());
      params_weight_decay_.push_back(spec.decay_mult());
      continue;
    }
    const int owner = owner_it->second;
    const Blob& owner_blob = *params_[owner];
    const bool strict = spec.share_mode() != ParamSpec::PERMISSIVE;
    if (strict ? owner_blob.shape() != blob->shape() : owner_blob.count() != blob->count()) {
      throw ShapeError("shares parameter '" + spec.name() + "' of shape " +
                       owner_blob.shape_string() + " but needs shape " + blob->shape_string() +
                       (strict ? " (share_mode STRICT needs equal shapes)"
                               : " (share_mode PERMISSIVE needs equal counts)"));
    }
    const int learnable = learnable_index_[owner];
    if (spec.has_lr_mult() && spec.lr_mult() != params_lr_[learnable]) {
      throw ConfigError("shared parameter '" + spec.name() + "' has lr_mult " +
                        std::to_string(spec.lr_mult()) + " here but " +
                        std::to_string(params_lr_[learnable]) + " where it is first defined");
    }
    if (spec.has_decay_mult() && spec.decay_mult() != params_weight_decay_[learnable]) {
      throw ConfigError("shared parameter '" + spec.name() + "' has decay_mult " +
                        std::to_string(spec.decay_mult()) + " here but " +
                        std::to_string(params_weight_decay_[learnable]) +
                        " where it is first defined");
    }
    blob->ShareData(owner_blob);
    blob->ShareDiff(owner_blob);
    param_owners_.push_back(owner);
    learnable_index_.push_back(learnable);
  }
}

void Net::DecideBackward(bool force_backward) {
  const int n = static_cast<int>(layers_.size());
  std::vector<bool> blob_need_backward(blobs_.size(), false);
  layer_need_backward_.assign(n, false);
  bottom_need_backward_.assign(n, {});
  for (int i = 0; i < n; ++i) {
    Layer& layer = *layers_[i];
    const LayerParameter& lp = layer.layer_param();
    bool need = false;
    for (size_t j = 0; j < bottom_ids_[i].size(); ++j) {
      const bool blob_needs = blob_need_backward[bottom_ids_[i][j]];
      need = need || blob_needs;
      bottom_need_backward_[i].push_back(lp.propagate_down_size() > 0 ? lp.propagate_down(j)
                                                                      : blob_needs);
    }
    for (size_t p = 0; p < layer.blobs().size(); ++p) {
      need = need || layer.param_propagate_down(static_cast<int>(p));
    }
    layer_need_backward_[i] = need;
    for (int id : top_ids_[i]) blob_need_backward[id] = need;
  }
  // Walking back from the losses: a layer that no loss depends on needs no backward.
  std::vector<bool> under_loss(blobs_.size(), false), skip(blobs_.size(), false);
  for (int i = n - 1; i >= 0; --i) {
    bool contributes = false, all_tops_skip = true;
    for (size_t t = 0; t < top_ids_[i].size(); ++t) {
      const int id = top_ids_[i][t];
      if (layers_[i]->loss(static_cast<int>(t)) != 0.f || under_loss[id]) contributes = true;
      if (!skip[id]) all_tops_skip = false;
    }
    if (layer_need_backward_[i] && all_tops_skip) {
      layer_need_backward_[i] = false;
      bottom_need_backward_[i].assign(bottom_need_backward_[i].size(), false);
    }
    if (!contributes) layer_need_backward_[i] = false;
    for (size_t j = 0; j < bottom_ids_[i].size(); ++j) {
      const int id = bottom_ids_[i][j];
      if (contributes) {
        under_loss[id] = true;
      } else {
        bottom_need_backward_[i][j] = false;
      }
      if (!bottom_need_backward_[i][j]) skip[id] = true;
    }
  }
  if (force_backward) {
    for (int i = 0; i < n; ++i) {
      layer_need_backward_[i] = true;
      for (size_t j = 0; j < bottom_ids_[i].size(); ++j) {
        bottom_need_backward_[i][j] =
            bottom_need_backward_[i][j] || layers_[i]->AllowForceBackward(static_cast<int>(j));
      }
      for (size_t p = 0; p < layers_[i]->blobs().size(); ++p) {
        layers_[i]->set_param_propagate_down(static_cast<int>(p), true);
      }
    }
  }
}

float Net::Forward() { return ForwardFromTo(0, static_cast<int>(layers_.size()) - 1); }

void Net::Backward() { BackwardFromTo(static_cast<int>(layers_.size()) - 1, 0); }

void Net::CheckLayerRange(int first, int last, const char* what) const {
  const int n = static_cast<int>(layers_.size());
  // An empty net runs nothing: (0, -1) is its whole range.
  if (n == 0 && first == 0 && last == -1) return;
  if (first < 0 || last < first || last >= n) {
    throw ConfigError(std::string(what) + ": layers " + std::to_string(first) + " to " +
                      std::to_string(last) + " are not a range of net '" + name_ + "' (" +
                      std::to_string(n) + " layers)");
  }
}

float Net::ForwardFromTo(int start, int end) {
  CheckLayerRange(start, end, "ForwardFromTo");
  float loss = 0.f;
  for (int i = start; i <= end; ++i) {
    try {
      const int fold = fold_of_.empty() ? -1 : fold_of_[i];
      // A fused chain runs whole on its first layer (its BatchNorm or Eltwise).
      if (fold >= 0 && !folds_[fold].folded && folds_[fold].layers.front() != i) continue;
      // A folded chain runs as its one layer when the range holds all of it.
      if (fold >= 0 && folds_[fold].folded && folds_[fold].layers.front() >= start &&
          folds_[fold].layers.back() <= end) {
        if (folds_[fold].layers.front() != i) continue;
        RefreshFold(static_cast<size_t>(fold));
        loss += folds_[fold].folded->Forward(bottom_vecs_[i], top_vecs_[i]);
        if (debug_info_) ForwardDebugInfo(i);
        continue;
      }
      loss += layers_[i]->Forward(bottom_vecs_[i], top_vecs_[i]);
      if (debug_info_) ForwardDebugInfo(i);
    } catch (const Error& e) {
      RethrowWithContext(e, Context(i));
    }
  }
  return loss;
}

void Net::BackwardFromTo(int start, int end) {
  CheckLayerRange(end, start, "BackwardFromTo");
  if (reuses_activations_) {
    throw ConfigError("net '" + name_ +
                      "' reuses activation memory (TEST phase, no force_backward) and cannot run "
                      "backward; build it with NetOptions::reuse_activations = false");
  }
  for (int i = start; i >= end; --i) {
    try {
      if (!BackwardFusedChain(i) && layer_need_backward_[i]) {
        layers_[i]->Backward(top_vecs_[i], bottom_need_backward_[i], bottom_vecs_[i]);
        if (debug_info_) BackwardDebugInfo(i);
      }
    } catch (const Error& e) {
      RethrowWithContext(e, Context(i));
    }
    if (backward_observer_) backward_observer_(i);
  }
}

float Net::ForwardBackward() {
  const float loss = Forward();
  Backward();
  return loss;
}

void Net::Reshape() {
  for (size_t i = 0; i < layers_.size(); ++i) {
    try {
      layers_[i]->Reshape(bottom_vecs_[i], top_vecs_[i]);
    } catch (const Error& e) {
      RethrowWithContext(e, Context(static_cast<int>(i)));
    }
  }
}

void Net::ClearParamDiffs() {
  for (Blob* blob : learnable_params_) blob->SetDiffToZero();
}

Blob* Net::blob_by_name(const std::string& name) const {
  auto it = blob_index_.find(name);
  if (it == blob_index_.end()) {
    throw ConfigError("net '" + name_ + "' has no blob named '" + name + "'");
  }
  if (reuses_activations_ && blob_reused_[it->second]) {
    throw ConfigError("blob '" + name + "' of net '" + name_ +
                      "' shares its memory with later activations; name it in "
                      "NetOptions::keep_blobs (or set reuse_activations = false) to read it");
  }
  return blobs_[it->second].get();
}

Layer* Net::layer_by_name(const std::string& name) const {
  auto it = layer_index_.find(name);
  if (it == layer_index_.end()) {
    throw ConfigError("net '" + name_ + "' has no layer named '" + name + "'");
  }
  return layers_[it->second].get();
}

}  // namespace strata
