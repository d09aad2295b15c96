// HDF5 files of float datasets: the HDF5Data layer's input, convert_mnist's
// output, and (later) HDF5 snapshots. Errors are IoError naming file and dataset.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata {

class Blob;

class Hdf5File {
 public:
  enum class Mode { kRead, kTruncate };
  Hdf5File(const std::string& path, Mode mode);
  ~Hdf5File();
  Hdf5File(const Hdf5File&) = delete;
  Hdf5File& operator=(const Hdf5File&) = delete;

  const std::string& path() const { return path_; }
  bool HasDataset(const std::string& name) const;
  // Shape of a dataset; IoError when absent.
  std::vector<int> DatasetShape(const std::string& name) const;
  // Reads a numeric dataset into `blob` (converted to float, blob reshaped).
  void Read(const std::string& name, Blob* blob) const;
  // Writes `count` floats of `shape` as a float32 dataset.
  void Write(const std::string& name, const std::vector<int>& shape, const float* data);

 private:
  std::string path_;
  int64_t id_ = -1;
};

}  // namespace strata
