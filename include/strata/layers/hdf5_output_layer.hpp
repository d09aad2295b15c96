// HDF5Output: writes what flows through it to an HDF5 file, datasets "data"
// and "label" (Caffe's names), with the rows of every forward pass so far.
//
// The file is complete at every moment, a kill mid-pass included, and a pass
// costs its own rows, not the file's size. Two files take turns: the live one
// (file_name) is never written; a spare (file_name + ".spare") one pass
// behind gets the previous pass's rows and this pass's appended to its
// extendible datasets, is closed, and is renamed over file_name, whose old
// file (kept by a second link) becomes the next spare. Renames are atomic, so
// a reader sees the old complete file or the new one. The spare is removed
// when the layer goes; a killed run's is reused by the next. Where the file
// system has no hard links, the layer appends to file_name itself (complete
// between passes only) and says so once.
// Bottoms: data, label (same first axis). No tops.
// Reads hdf5_output_param { file_name }.
#pragma once

#include <string>
#include <vector>

#include "strata/layer.hpp"

namespace strata {

class HDF5OutputLayer : public Layer {
 public:
  using Layer::Layer;
  ~HDF5OutputLayer() override;
  const char* type() const override { return "HDF5Output"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 0; }
  std::vector<std::string> ParamFields() const override { return {"hdf5_output_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& /*top*/, const std::vector<bool>& /*propagate_down*/,
                   const std::vector<Blob*>& /*bottom*/) override {}

 private:
  void CheckItemShapes(const std::vector<Blob*>& bottom);
  // Makes the spare anew: empty extendible datasets, nothing pending.
  void CreateSpare();
  // The spare becomes file_name, and with keep_old file_name's old file the
  // spare. False (nothing changed) when file_name cannot take a second link.
  bool Swap(bool keep_old);

  std::string path_, spare_;
  bool created_ = false;
  bool spare_ready_ = false;                 // the spare holds every pass but the pending one
  bool in_place_ = false;                    // no hard links: append to file_name itself
  std::vector<int> data_item_, label_item_;  // the shapes of one row
  // The previous pass's rows, which the spare lacks.
  std::vector<float> pending_data_, pending_label_;
  int pending_rows_ = 0;
};

}  // namespace strata
