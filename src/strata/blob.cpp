#include "strata/blob.hpp"

#include <climits>
#include <cmath>
#include <cstring>

#include "blob.pb.h"
#include "strata/errors.hpp"
#include "strata/math.hpp"

namespace strata {

Blob::Blob() : data_(std::make_shared<Storage>()), diff_(std::make_shared<Storage>()) {}

Blob::Blob(const std::vector<int>& shape) : Blob() { Reshape(shape); }

void Blob::Reshape(const std::vector<int>& shape) {
  if (shape.size() > static_cast<size_t>(kMaxAxes)) {
    throw ShapeError("blob shape " + ShapeString(shape) + " has more than " +
                     std::to_string(kMaxAxes) + " axes");
  }
  long long count = 1;
  for (int dim : shape) {
    if (dim < 0) throw ShapeError("blob shape " + ShapeString(shape) + " has a negative dimension");
    count *= dim;
    if (count > INT_MAX) {
      throw ShapeError("blob shape " + ShapeString(shape) + " holds more than " +
                       std::to_string(INT_MAX) + " elements");
    }
  }
  shape_ = shape;
  count_ = static_cast<int>(count);
  data_->ReserveLazily(count_);
  diff_->ReserveLazily(count_);
}

void Blob::UseDataStorage(std::shared_ptr<Storage> storage) {
  storage->ReserveLazily(count_);
  data_ = std::move(storage);
}

void Blob::Reshape(const BlobShape& shape) { Reshape(ToShapeVector(shape)); }

int Blob::count(int start, int end) const {
  if (start < 0 || end > num_axes() || start > end) {
    throw InternalError("Blob::count(" + std::to_string(start) + ", " + std::to_string(end) +
                        ") on shape " + shape_string());
  }
  int product = 1;
  for (int i = start; i < end; ++i) product *= shape_[i];
  return product;
}

int Blob::CanonicalAxisIndex(int axis) const {
  const int n = num_axes();
  if (axis < -n || axis >= n) {
    throw ShapeError("axis " + std::to_string(axis) + " is out of range for a blob of shape " +
                     shape_string());
  }
  return axis < 0 ? axis + n : axis;
}

std::string Blob::shape_string() const { return ShapeString(shape_); }

void Blob::ShareData(const Blob& other) {
  if (other.count() != count_) {
    throw ShapeError("cannot share data of a blob of shape " + other.shape_string() +
                     " with one of shape " + shape_string());
  }
  data_ = other.data_;
}

void Blob::ShareDiff(const Blob& other) {
  if (other.count() != count_) {
    throw ShapeError("cannot share diff of a blob of shape " + other.shape_string() +
                     " with one of shape " + shape_string());
  }
  diff_ = other.diff_;
}

void Blob::CopyFrom(const Blob& source, bool copy_diff, bool reshape) {
  if (source.shape() != shape_) {
    if (!reshape) {
      throw ShapeError("cannot copy a blob of shape " + source.shape_string() +
                       " into one of shape " + shape_string());
    }
    ReshapeLike(source);
  }
  if (copy_diff) {
    std::memcpy(mutable_diff(), source.diff(), sizeof(float) * count_);
  } else {
    std::memcpy(mutable_data(), source.data(), sizeof(float) * count_);
  }
}

void Blob::Update() { math::Axpy(count_, -1.f, diff(), mutable_data()); }

void Blob::SetDiffToZero() { math::Set(count_, 0.f, mutable_diff()); }

namespace {
double Asum(const float* x, int n) {
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += std::fabs(x[i]);
  return sum;
}
double Sumsq(const float* x, int n) {
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  return sum;
}
}  // namespace

double Blob::asum_data() const { return Asum(data(), count_); }
double Blob::asum_diff() const { return Asum(diff(), count_); }
double Blob::sumsq_data() const { return Sumsq(data(), count_); }
double Blob::sumsq_diff() const { return Sumsq(diff(), count_); }

std::vector<int> ToShapeVector(const BlobShape& shape) {
  std::vector<int> dims;
  for (int i = 0; i < shape.dim_size(); ++i) {
    const long long dim = shape.dim(i);
    if (dim < 0 || dim > INT_MAX) {
      throw ShapeError("blob dimension " + std::to_string(dim) + " is out of range");
    }
    dims.push_back(static_cast<int>(dim));
  }
  return dims;
}

std::vector<int> ProtoShape(const BlobProto& proto) {
  if (proto.has_shape()) return ToShapeVector(proto.shape());
  // The legacy form always has four axes.
  return {proto.num(), proto.channels(), proto.height(), proto.width()};
}

bool Blob::ShapeEquals(const BlobProto& proto) const {
  if (proto.has_shape()) return ToShapeVector(proto.shape()) == shape_;
  // A legacy 4-D shape matches a blob with fewer axes padded on the left by 1s.
  if (num_axes() > 4) return false;
  std::vector<int> padded(4 - num_axes(), 1);
  padded.insert(padded.end(), shape_.begin(), shape_.end());
  return padded == ProtoShape(proto);
}

void Blob::FromProto(const BlobProto& proto, bool reshape) {
  if (reshape) {
    Reshape(ProtoShape(proto));
  } else if (!ShapeEquals(proto)) {
    throw ShapeError("stored blob has shape " + ShapeString(ProtoShape(proto)) +
                     " but the net expects " + shape_string());
  }
  float* data = mutable_data();
  if (proto.double_data_size() > 0) {
    if (proto.double_data_size() != count_) {
      throw ShapeError("stored blob has " + std::to_string(proto.double_data_size()) +
                       " values for shape " + shape_string());
    }
    for (int i = 0; i < count_; ++i) data[i] = static_cast<float>(proto.double_data(i));
  } else {
    if (proto.data_size() != count_) {
      throw ShapeError("stored blob has " + std::to_string(proto.data_size()) +
                       " values for shape " + shape_string());
    }
    std::memcpy(data, proto.data().data(), sizeof(float) * count_);
  }
  float* diff = mutable_diff();
  if (proto.double_diff_size() == count_ && count_ > 0) {
    for (int i = 0; i < count_; ++i) diff[i] = static_cast<float>(proto.double_diff(i));
  } else if (proto.diff_size() == count_ && count_ > 0) {
    std::memcpy(diff, proto.diff().data(), sizeof(float) * count_);
  }
}

void Blob::ToProto(BlobProto* proto, bool write_diff) const {
  proto->Clear();
  for (int dim : shape_) proto->mutable_shape()->add_dim(dim);
  proto->mutable_data()->Add(data(), data() + count_);
  if (write_diff) proto->mutable_diff()->Add(diff(), diff() + count_);
}

}  // namespace strata
