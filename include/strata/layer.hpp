// Layer: the unit of computation. Every layer keeps this contract.
//
// Lifecycle: the Net constructs a layer from its LayerParameter (through the
// registry), then calls SetUp(bottom, top) once: it checks the blob counts,
// rejects `*_param` fields the layer does not read, calls LayerSetUp (read
// parameters, create and fill learnable blobs) and Reshape (shape the tops).
//
//   Reshape   is cheap and safe to call on every forward pass; Forward calls it.
//   Forward   computes tops from bottoms and returns the weighted loss this
//             layer contributes: sum over tops of dot(top data, top diff), where
//             SetUp has filled the diff of each top with its loss_weight.
//   Backward  overwrites the diffs of bottoms i with propagate_down[i] true,
//             and ACCUMULATES into parameter diffs (the solver clears them), so
//             several backward passes sum their gradients (iter_size, sharing).
//   In place  (top == bottom) only when AllowsInPlace(); the Net rejects it
//             otherwise.
//   Errors    bad parameters or shapes throw ConfigError / ShapeError; the Net
//             adds the file, line and layer name.
//   Random    draws come from rng(), which the Net seeds; the same seed gives the
//             same run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "net.pb.h"
#include "strata/blob.hpp"
#include "strata/random.hpp"

namespace strata {

// The part of every batch a data layer reads in a data-parallel run: shard
// `index` of `count` takes examples index*B .. (index+1)*B-1 of each
// count*B in the source's order, so `count` nets with batch B see the
// batches one net with batch count*B would. {0, 1}: everything.
struct DataShard {
  int index = 0;
  int count = 1;
};

class Layer {
 public:
  explicit Layer(const LayerParameter& param);
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  void SetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top);
  float Forward(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top);
  void Backward(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                const std::vector<Blob*>& bottom);

  virtual void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) = 0;

  // The type string, e.g. "InnerProduct": the class name without "Layer".
  virtual const char* type() const = 0;

  // Blob count constraints; -1 means "no constraint".
  virtual int ExactNumBottomBlobs() const { return -1; }
  virtual int MinBottomBlobs() const { return -1; }
  virtual int MaxBottomBlobs() const { return -1; }
  virtual int ExactNumTopBlobs() const { return -1; }
  virtual int MinTopBlobs() const { return -1; }
  virtual int MaxTopBlobs() const { return -1; }
  virtual bool EqualNumBottomTopBlobs() const { return false; }

  virtual bool AllowsInPlace() const { return false; }
  // False for inputs that carry no gradient (labels).
  virtual bool AllowForceBackward(int /*bottom_index*/) const { return true; }
  // Names of the LayerParameter `*_param` fields this layer reads.
  virtual std::vector<std::string> ParamFields() const { return {}; }
  // The loss_weight of a top when the definition gives none.
  virtual float DefaultLossWeight(int /*top_index*/) const { return 0.f; }
  // How the layer computes, where it chooses among ways (a convolution's
  // algorithm); empty for the others. Shown by tools/time and tools/summary.
  virtual std::string Algorithm() const { return {}; }
  // False for a layer whose tops keep values from one pass to the next
  // (DummyData's constant tops): an inference net then leaves their memory
  // to them instead of handing it on to later blobs.
  virtual bool WritesTopsEveryPass() const { return true; }
  // Steps a pass runs one after another (a recurrent layer's time steps; 0
  // for the others): tools/time shows the time per step.
  virtual int TimeSteps() const { return 0; }

  // Floating-point operations of one Forward at the current shapes (a
  // multiply-add counts two). The default, one per top element, suits
  // element-wise layers; layers with real arithmetic say theirs.
  virtual double ForwardFlops(const std::vector<Blob*>& bottom,
                              const std::vector<Blob*>& top) const;

  const LayerParameter& layer_param() const { return layer_param_; }
  Phase phase() const { return layer_param_.phase(); }
  std::vector<std::shared_ptr<Blob>>& blobs() { return blobs_; }
  const std::vector<std::shared_ptr<Blob>>& blobs() const { return blobs_; }

  float loss(int top_index) const {
    return top_index < static_cast<int>(loss_.size()) ? loss_[top_index] : 0.f;
  }
  bool param_propagate_down(int i) const {
    return i < static_cast<int>(param_propagate_down_.size()) && param_propagate_down_[i];
  }
  void set_param_propagate_down(int i, bool value);

  Rng& rng() { return rng_; }
  void Seed(uint64_t seed) { rng_.Seed(seed); }

  // Data layers that read their share of each batch (Data, ImageData,
  // HDF5Data, MemoryData) say so; the Net hands them the shard before SetUp.
  virtual bool ReadsDataShards() const { return false; }
  void SetDataShard(const DataShard& shard) { shard_ = shard; }
  // What a data layer reads, for checking that every rank of a parallel run
  // sees the same data ("60000 records in train_lmdb"); empty for the others.
  virtual std::string DataSummary() const { return {}; }

  // Run-time state beyond the parameter blobs (random stream; data layers add
  // their cursor), for bit-exact resume. RestoreState throws on a mismatch.
  virtual void SaveState(LayerState* state) const;
  virtual void RestoreState(const LayerState& state);

  // The definition with the current parameter blobs in `blobs`.
  void ToProto(LayerParameter* param, bool write_diff = false) const;

 protected:
  virtual void LayerSetUp(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) {
  }
  virtual void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) = 0;
  virtual void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                           const std::vector<Blob*>& bottom) = 0;

  // One parameter blob of a layer: its name in messages, its shape, and how a
  // new one is filled (nullptr: zeros).
  struct ParamBlobSpec {
    std::string name;
    std::vector<int> shape;
    const FillerParameter* filler = nullptr;
  };
  // Sets up `blobs_` as `specs` say, in order. Blobs that came with the
  // definition (layer_param().blobs(), weights written into the net) are
  // taken when there are any, each checked against its spec: ShapeError
  // "stored blob 'bias' has shape (10) but the layer needs (20)", or for a
  // wrong number of blobs. Otherwise new blobs are made and filled (fillers
  // checked first). `by_count`: a stored blob needs only the right number of
  // values (BatchNorm's statistics, which Caffe stored in several shapes).
  void SetUpParamBlobs(const std::vector<ParamBlobSpec>& specs, bool by_count = false);

  LayerParameter layer_param_;
  std::vector<std::shared_ptr<Blob>> blobs_;
  std::vector<bool> param_propagate_down_;
  std::vector<float> loss_;
  Rng rng_;
  DataShard shard_;

 private:
  void CheckBlobCounts(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) const;
  void CheckParamFields() const;
  void SetLossWeights(const std::vector<Blob*>& top);
};

// Loss layers: loss_weight defaults to 1 on the first top; they read loss_param.
class LossLayer : public Layer {
 public:
  explicit LossLayer(const LayerParameter& param) : Layer(param) {}
  float DefaultLossWeight(int top_index) const override { return top_index == 0 ? 1.f : 0.f; }
  int ExactNumTopBlobs() const override { return -1; }
  int MinTopBlobs() const override { return 1; }
  // Labels carry no gradient.
  bool AllowForceBackward(int bottom_index) const override { return bottom_index != 1; }
  std::vector<std::string> ParamFields() const override { return {"loss_param"}; }

 protected:
  // The divisor of the summed loss: loss_param.normalization, or the deprecated
  // normalize (true: VALID, false: BATCH_SIZE), or else `fallback`. FULL
  // divides by `full` positions, VALID by the `valid` (non-ignored) ones,
  // BATCH_SIZE by `batch`, NONE by 1; never less than 1.
  float Normalizer(LossParameter::NormalizationMode fallback, int batch, int full, int valid) const;
};

}  // namespace strata
