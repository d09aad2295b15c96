// HDF5 files of float datasets: the HDF5Data layer's input, convert_mnist's
// output, and (later) HDF5 snapshots. Errors are IoError naming file and dataset.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata {

class Blob;

// True when `path` starts with the HDF5 signature.
bool IsHdf5File(const std::string& path);

class Hdf5File {
 public:
  // kAppend opens an existing file for writing (Hdf5File::Append).
  enum class Mode { kRead, kTruncate, kAppend };
  Hdf5File(const std::string& path, Mode mode);
  ~Hdf5File();
  Hdf5File(const Hdf5File&) = delete;
  Hdf5File& operator=(const Hdf5File&) = delete;

  const std::string& path() const { return path_; }
  bool HasDataset(const std::string& name) const;
  bool Exists(const std::string& name) const;
  // Shape of a dataset; IoError when absent.
  std::vector<int> DatasetShape(const std::string& name) const;
  // Reads a numeric dataset into `blob` (converted to float, blob reshaped).
  void Read(const std::string& name, Blob* blob) const;
  // Writes `count` floats of `shape` as a float32 dataset.
  void Write(const std::string& name, const std::vector<int>& shape, const float* data);
  // A float32 dataset of items `item_shape` that grows along a first axis of
  // 0 rows now; Append adds rows to it without rewriting the earlier ones.
  void CreateExtendible(const std::string& name, const std::vector<int>& item_shape);
  // Adds `rows` items (rows * item size floats) to an extendible dataset.
  void Append(const std::string& name, int rows, const float* data);

  // Groups and scalar values, as Caffe's HDF5 snapshots use them. Names may
  // be paths ("data/ip1/0"); the groups on the way must exist.
  bool HasGroup(const std::string& name) const;
  void CreateGroup(const std::string& name);
  // Names of the links directly inside a group, in HDF5's (alphabetical) order.
  std::vector<std::string> Children(const std::string& group) const;
  void WriteInt(const std::string& name, int value);
  int ReadInt(const std::string& name) const;
  void WriteString(const std::string& name, const std::string& value);
  std::string ReadString(const std::string& name) const;
  // Arbitrary bytes as a uint8 dataset.
  void WriteBytes(const std::string& name, const std::string& bytes);
  std::string ReadBytes(const std::string& name) const;
  // Writes everything to disk (before the atomic rename of a snapshot);
  // IoError with the reason (a full disk, a file-size limit) on failure.
  // A kTruncate file is built in memory and written here or, unreported,
  // when destroyed.
  void Flush();

 private:
  void WriteImage();

  std::string path_;
  int64_t id_ = -1;
  bool memory_ = false;     // kTruncate: HDF5's in-memory driver
  bool unwritten_ = false;  // changed since the last write to disk
};

}  // namespace strata
