// HDF5Data: reads batches from HDF5 files.
// hdf5_data_param.source is a text file listing one HDF5 path per line
// (relative paths are taken from the list file's folder). Each top reads the
// dataset of the same name; all datasets of a file have the same first
// dimension (rows). Top i has shape [batch_size] + dataset.shape[1:].
// Rows are read in order, wrapping to the next file and around; with
// shuffle: true the file order and the rows within each file are permuted
// anew on every pass (from the layer's seeded stream).
// Reads hdf5_data_param { source, batch_size, shuffle } and, for 4-D data
// (N x C x H x W), transform_param (applied to the first top; see
// data_transformer.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strata/data_transformer.hpp"
#include "strata/layer.hpp"

namespace strata {

class HDF5DataLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "HDF5Data"; }
  int ExactNumBottomBlobs() const override { return 0; }
  int MinTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override {
    return {"hdf5_data_param", "transform_param"};
  }
  void Reshape(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) override {}

  // Rows in the file currently loaded.
  int rows() const { return rows_; }
  bool ReadsDataShards() const override { return true; }
  std::string DataSummary() const override {
    return std::to_string(files_.size()) + " file(s) in " +
           layer_param_.hdf5_data_param().source() + ", " + std::to_string(rows_) +
           " rows in the one loaded";
  }

  // Adds the cursor: file order, file position, row order, row position.
  void SaveState(LayerState* state) const override;
  void RestoreState(const LayerState& state) override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& /*top*/, const std::vector<bool>& /*propagate_down*/,
                   const std::vector<Blob*>& /*bottom*/) override {}

 private:
  void LoadFile(int file_index);
  void Advance();

  std::vector<std::string> files_;
  std::vector<int> file_order_;
  int file_position_ = 0;
  std::vector<std::unique_ptr<Blob>> data_;  // one per top, the loaded file
  std::vector<int> row_order_;
  int row_position_ = 0;
  int rows_ = 0;
  int batch_size_ = 0;
  std::unique_ptr<DataTransformer> transformer_;  // for top 0, when transform_param is given
};

}  // namespace strata
