// HDF5Output: writes what flows through it to an HDF5 file, datasets "data"
// and "label" (Caffe's names), with the rows of every forward pass so far.
// The first pass creates the file (aside, then renamed); every pass appends
// its rows to the two extendible datasets and closes the file, so the cost
// of a pass does not grow with the file and it is complete between passes.
// Bottoms: data, label (same first axis). No tops.
// Reads hdf5_output_param { file_name }.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class HDF5OutputLayer : public Layer {
 public:
  using Layer::Layer;
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
  bool created_ = false;
  std::vector<int> data_item_, label_item_;  // the shapes of one row
};

}  // namespace strata
