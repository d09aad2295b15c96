// Blob: an N-D float array with a gradient ("diff") of the same shape.
//
// Storage is 64-byte aligned and reused: Reshape to a count that fits the
// current capacity never reallocates. Memory is allocated (zeroed) when first
// touched, not by Reshape, so a net that never runs backward holds no
// gradients and buffers handed on between blobs are allocated once. Data and diff can be shared
// with another blob (weight sharing, nets that share trained weights).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strata/storage.hpp"

namespace strata {

class BlobProto;
class BlobShape;

class Blob {
 public:
  static constexpr int kMaxAxes = 32;

  Blob();
  explicit Blob(const std::vector<int>& shape);
  Blob(const Blob&) = delete;
  Blob& operator=(const Blob&) = delete;

  // Throws ShapeError for negative dims, too many axes or a count beyond int.
  void Reshape(const std::vector<int>& shape);
  void Reshape(const BlobShape& shape);
  void ReshapeLike(const Blob& other) { Reshape(other.shape()); }

  const std::vector<int>& shape() const { return shape_; }
  // Dimension of `axis`, which may be negative (counted from the end).
  int shape(int axis) const { return shape_[CanonicalAxisIndex(axis)]; }
  int num_axes() const { return static_cast<int>(shape_.size()); }
  int count() const { return count_; }
  // Product of dims in [start, end).
  int count(int start, int end) const;
  int count(int start) const { return count(start, num_axes()); }
  // Maps an axis in [-num_axes, num_axes) to [0, num_axes); ShapeError otherwise.
  int CanonicalAxisIndex(int axis) const;
  std::string shape_string() const;

  const float* data() const { return data_->data(); }
  const float* diff() const { return diff_->data(); }
  float* mutable_data() { return data_->mutable_data(); }
  float* mutable_diff() { return diff_->mutable_data(); }

  void ShareData(const Blob& other);
  void ShareDiff(const Blob& other);
  bool SharesDataWith(const Blob& other) const { return data_ == other.data_; }
  // Makes `storage` (grown to fit) this blob's data; the old contents are not copied.
  void UseDataStorage(std::shared_ptr<Storage> storage);
  const Storage& data_storage() const { return *data_; }
  const Storage& diff_storage() const { return *diff_; }
  // The storages themselves, for views that must keep them alive (Python's
  // arrays); a Reshape to more values than they hold moves their memory.
  std::shared_ptr<Storage> shared_data_storage() const { return data_; }
  std::shared_ptr<Storage> shared_diff_storage() const { return diff_; }

  // Copies data (and diff when `copy_diff`) from `source`, reshaping if asked.
  void CopyFrom(const Blob& source, bool copy_diff = false, bool reshape = false);
  // data -= diff
  void Update();
  void SetDiffToZero();

  double asum_data() const;
  double asum_diff() const;
  double sumsq_data() const;
  double sumsq_diff() const;

  // Reads shape and values. The legacy num/channels/height/width form is
  // accepted. With `reshape` false the shapes must already agree (ShapeError).
  void FromProto(const BlobProto& proto, bool reshape = true);
  void ToProto(BlobProto* proto, bool write_diff = false) const;
  // True when `proto` describes this blob's shape (either form).
  bool ShapeEquals(const BlobProto& proto) const;

 private:
  std::vector<int> shape_;
  int count_ = 0;
  std::shared_ptr<Storage> data_;
  std::shared_ptr<Storage> diff_;
};

// The shape a BlobProto describes, in either form.
std::vector<int> ProtoShape(const BlobProto& proto);
std::vector<int> ToShapeVector(const BlobShape& shape);

}  // namespace strata
