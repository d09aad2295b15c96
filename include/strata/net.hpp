// Net: a DAG of layers built from a NetParameter.
//
// Construction, in order:
//   1. legacy `input:` fields become an Input layer;
//   2. layers whose include/exclude rules the NetState does not meet are dropped;
//   3. a Split layer is inserted after every top read by more than one layer, so
//      that each consumer gets its own diff and the gradients are summed;
//   4. layers are created and wired: a bottom must be a top of an earlier layer;
//      a top named like the bottom at the same index runs in place (only for
//      layers that allow it);
//   5. parameters are collected with their lr_mult/decay_mult; a ParamSpec
//      `name` shared by several layers makes them share one blob;
//   6. Caffe's rule decides which layers run backward: those below a loss that
//      have a learnable parameter or a bottom that needs a gradient.
// Errors carry "file:line:col: layer 'name' (Type): ..." when the net came from
// a file.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "net.pb.h"
#include "strata/blob.hpp"
#include "strata/io.hpp"
#include "strata/layer.hpp"

namespace strata {

struct NetOptions {
  int level = 0;
  std::vector<std::string> stages;
  // Seeds every layer's random stream (fillers, shuffling, dropout).
  uint64_t seed = 1701;
  // Inference memory: in TEST phase without force_backward, an activation
  // buffer is handed on to a later blob once its last reader has run, so that
  // the net holds only as many buffers as are alive at one time. Inputs,
  // outputs and the blobs named in `keep_blobs` keep their own memory; asking
  // blob_by_name for a reused blob, or calling Backward, is a ConfigError.
  bool reuse_activations = true;
  std::vector<std::string> keep_blobs;
  // Inference: where activations are handed on (above), a Convolution or
  // InnerProduct followed by an in-place BatchNorm on stored statistics and,
  // optionally, an in-place per-channel Scale runs as one layer whose weights
  // and bias carry the normalisation (recomputed when any of them change); a
  // Convolution's chain also takes an in-place ReLU after it.
  // Outputs equal the unfolded net's to rounding; false keeps every layer.
  bool fold_batch_norm = true;
  // Training: a BatchNorm on batch statistics followed by an in-place
  // per-channel Scale and, optionally, an in-place ReLU runs as one pass
  // forward and two backward, keeping one copy of the normalised values (the
  // separate layers keep two and copy once more); results equal the separate
  // layers' to rounding. The chain runs whole: forward on its first layer,
  // backward on its last; false keeps every layer.
  bool fuse_batch_norm_chains = true;
  // Training and inference: an Eltwise SUM followed by an in-place ReLU on
  // its top runs as the Eltwise's fused passes (one forward, one backward;
  // results equal the separate layers' to the bit), the ReLU's own skipped
  // as in a BatchNorm chain; false keeps both layers.
  bool fuse_sum_relu = true;
  // This net's share of every batch in a data-parallel run (Layer's
  // DataShard). Data layers keep `seed`, so every shard walks the same
  // shuffled order; the other layers' streams (dropout) are set apart per shard.
  DataShard data_shard;
};

class Net {
 public:
  // Reads a .prototxt; `phase`, level and stages form the NetState.
  Net(const std::string& path, Phase phase, const NetOptions& options = {});
  // The state comes from param.state(), with the options' level (when not 0)
  // and stages added; `source` (optional) locates layers for errors.
  Net(const NetParameter& param, const NetOptions& options, const NetSource* source = nullptr);
  // Keeps every blob's memory (reuse_activations false); the other options
  // keep their defaults, the training fusions included.
  explicit Net(const NetParameter& param, uint64_t seed = 1701, const NetSource* source = nullptr);
  Net(const Net&) = delete;
  Net& operator=(const Net&) = delete;

  // Runs every layer forward; returns the total weighted loss.
  float Forward();
  // Runs backward through the layers that need it. Parameter diffs accumulate.
  void Backward();
  // Layers start..end (inclusive) forward, and end..start backward, as
  // Caffe's ForwardFromTo(start, end) and BackwardFromTo(start, end) with
  // start >= end. Errors carry the layer's "file:line: layer 'x' (Type): ";
  // an index outside the net is a ConfigError.
  float ForwardFromTo(int start, int end);
  void BackwardFromTo(int start, int end);
  float ForwardBackward();
  // Propagates new input shapes through every layer.
  void Reshape();
  void ClearParamDiffs();

  const std::string& name() const { return name_; }
  Phase phase() const { return phase_; }

  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  const std::vector<std::string>& layer_names() const { return layer_names_; }
  const std::vector<std::string>& blob_names() const { return blob_names_; }
  const std::vector<std::vector<Blob*>>& bottom_vecs() const { return bottom_vecs_; }
  const std::vector<std::vector<Blob*>>& top_vecs() const { return top_vecs_; }
  const std::vector<bool>& layer_need_backward() const { return layer_need_backward_; }
  const std::vector<std::vector<bool>>& bottom_need_backward() const {
    return bottom_need_backward_;
  }

  bool has_blob(const std::string& name) const { return blob_index_.count(name) > 0; }
  // ConfigError when there is no such blob / layer, or when the blob's memory
  // is reused by later activations (see NetOptions::reuse_activations).
  Blob* blob_by_name(const std::string& name) const;
  Layer* layer_by_name(const std::string& name) const;

  // Tops of Input layers, and tops no layer consumes.
  const std::vector<Blob*>& input_blobs() const { return input_blobs_; }
  const std::vector<Blob*>& output_blobs() const { return output_blobs_; }
  const std::vector<std::string>& output_blob_names() const { return output_blob_names_; }
  // The loss_weight of each output blob (0 for outputs that are not losses).
  const std::vector<float>& output_loss_weights() const { return output_loss_weights_; }

  // The blobs the solver updates: one per distinct (unshared) parameter.
  const std::vector<Blob*>& learnable_params() const { return learnable_params_; }
  const std::vector<float>& params_lr() const { return params_lr_; }
  const std::vector<float>& params_weight_decay() const { return params_weight_decay_; }
  // For each learnable param, the first layer that uses it: the last whose
  // backward adds to its gradient.
  const std::vector<int>& learnable_param_layers() const { return learnable_param_layers_; }
  // Called with each layer's index once Backward has passed it, so that a
  // data-parallel run can send finished gradients while the rest still runs.
  void SetBackwardObserver(std::function<void(int layer_index)> observer) {
    backward_observer_ = std::move(observer);
  }

  // Copies blobs of same-named layers from trained weights; layers absent from
  // this net are ignored. ShapeError names the layer, blob index and shapes.
  void CopyTrainedLayersFrom(const NetParameter& trained);
  // A .caffemodel or .caffemodel.h5 file, told apart by content.
  void CopyTrainedLayersFrom(const std::string& path);
  // Makes same-named layers use `other`'s parameter memory.
  void ShareTrainedLayersWith(const Net& other);
  void ToProto(NetParameter* param, bool write_diff = false) const;

  // True when activation buffers are handed on (see NetOptions::reuse_activations).
  bool reuses_activations() const { return reuses_activations_; }
  // The chains folded into one layer (NetOptions::fold_batch_norm), each as
  // its layers' names joined by '+': "conv1+bn1+scale1".
  std::vector<std::string> folded_layers() const;
  // For layer i: the chain it is folded or fused into ("" if none; fused
  // training chains too), and that chain's first and last layer ({i, i} if none).
  std::string FoldedInto(int layer_index) const;
  std::pair<int, int> FoldedRange(int layer_index) const;
  // Bytes the blobs between layers hold: their data (allocated on first use)
  // and the gradients allocated so far. param_bytes is the same for the
  // parameters, counted once however many layers or nets share them.
  size_t activation_bytes() const;
  size_t param_bytes() const;

  // Every layer's run-time state (random streams, data cursors), for resume.
  std::vector<LayerState> SaveLayerStates() const;
  void RestoreLayerStates(const std::vector<LayerState>& states);

  // With debug_info (NetParameter or solver field), Forward and Backward log,
  // per layer, the mean absolute value of every top's data, bottom's diff and
  // param's data/diff, in Caffe's line shapes ("    [Forward] Layer conv1, top
  // blob conv1 data: 0.12"). LogParamUpdates prints the [Update] lines.
  bool debug_info() const { return debug_info_; }
  void set_debug_info(bool value) { debug_info_ = value; }
  void LogParamUpdates() const;

  // The first non-finite value (NaN or infinity), described with its layer,
  // blob and index, or "" when all are finite. After forward: parameters and
  // tops, in layer order. After backward: parameter gradients and the
  // gradients of bottoms, from the loss down (the order backward ran).
  std::string FindNonFiniteForward() const;
  std::string FindNonFiniteBackward() const;

  // True when `state` meets `rule` (every set field of the rule matches).
  static bool StateMeetsRule(const NetState& state, const NetStateRule& rule);
  // True when the layer's include/exclude rules keep it in a net of `state`.
  static bool StateIncludesLayer(const NetState& state, const LayerParameter& layer);

 private:
  void Init(const NetParameter& param, uint64_t seed, const NetSource* source);
  void AppendParams(int layer_index);
  void DecideBackward(bool force_backward);
  void PlanActivationMemory(const std::vector<std::string>& keep);
  // net_fold.cpp: finds the chains NetOptions::fold_batch_norm folds, and
  // refreshes a chain's folded weights when its sources changed.
  void PlanBatchNormFolding();
  void RefreshFold(size_t chain);
  // net_fold.cpp: finds the chains NetOptions::fuse_batch_norm_chains and
  // NetOptions::fuse_sum_relu fuse.
  void PlanBatchNormChains();
  void PlanSumReLU();
  // Its layers' names joined by '+'.
  std::string ChainName(const std::vector<int>& layers) const;
  struct Fold;
  // Records `fold` (named by ChainName unless named) as its layers' chain;
  // returns its last layer, where the planning loops go on.
  size_t AddFold(Fold fold);
  // Backward of layer i where it belongs to a fused training chain (the
  // chain's whole backward on its last layer, nothing on the others); false
  // where it does not.
  bool BackwardFusedChain(int i);
  void CheckMemoryFits() const;
  std::string Context(int layer_index) const;

  void ForwardDebugInfo(int layer_index) const;
  // ConfigError naming `what` unless first..last is a range of layers.
  void CheckLayerRange(int first, int last, const char* what) const;
  void BackwardDebugInfo(int layer_index) const;

  // A Convolution/InnerProduct, BatchNorm[, Scale] chain run as one layer
  // (inference), or a BatchNorm, Scale[, ReLU] chain its BatchNorm runs
  // (training), or an Eltwise SUM, ReLU pair the Eltwise runs (`folded`
  // null for both).
  struct Fold {
    std::vector<int> layers;        // the chain, first the product (or the BatchNorm)
    std::string name;               // its layers' names joined by '+'
    bool scaled = false;            // inference: layers[2] is a Scale
    std::unique_ptr<Layer> folded;  // the product with the folded weights and a bias
    std::vector<std::pair<const Storage*, uint64_t>> sources;  // as last folded
  };
  std::vector<Fold> folds_;
  std::vector<int> fold_of_;  // per layer: its chain in folds_, or -1

  std::string name_;
  Phase phase_ = TEST;
  DataShard data_shard_;
  bool debug_info_ = false;
  bool reuses_activations_ = false;
  std::vector<bool> blob_reused_;  // per blob: its memory is handed on
  NetSource source_;
  std::vector<int> source_index_;  // position of each layer in the original file
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<std::string> layer_names_;
  std::vector<std::string> layers_types_;
  std::map<std::string, int> layer_index_;
  std::vector<std::unique_ptr<Blob>> blobs_;
  std::vector<std::string> blob_names_;
  std::map<std::string, int> blob_index_;
  std::vector<std::vector<Blob*>> bottom_vecs_, top_vecs_;
  std::vector<std::vector<int>> bottom_ids_, top_ids_;
  std::vector<bool> layer_need_backward_;
  std::vector<std::vector<bool>> bottom_need_backward_;
  std::vector<Blob*> input_blobs_, output_blobs_;
  std::vector<std::string> output_blob_names_;
  std::vector<float> output_loss_weights_;

  // All parameter blobs, and for each the index of the one it shares, or -1.
  std::vector<Blob*> params_;
  std::vector<int> param_owners_;
  std::vector<int> learnable_index_;  // for each entry of params_, its learnable_params_ index
  std::map<std::string, int> param_name_index_;
  std::vector<Blob*> learnable_params_;
  std::vector<int> learnable_param_layers_;
  std::function<void(int)> backward_observer_;
  std::vector<float> params_lr_, params_weight_decay_;
};

// Rewrites `param` with Split layers after every top consumed more than once
// (Caffe's naming: blob "<top>_<layer>_<index>_split_<k>"). `origin` receives,
// for each layer of the result, the index of the layer it came from.
NetParameter InsertSplits(const NetParameter& param, std::vector<int>* origin);

}  // namespace strata
