#include "strata/hdf5.hpp"

#include <hdf5.h>

#include <climits>

#include "strata/blob.hpp"
#include "strata/errors.hpp"

namespace strata {

namespace {

// HDF5 prints its own error stack to stderr by default; we report errors ourselves.
void SilenceHdf5() {
  static const bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)silenced;
}

class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

}  // namespace

Hdf5File::Hdf5File(const std::string& path, Mode mode) : path_(path) {
  SilenceHdf5();
  if (mode == Mode::kRead) {
    if (H5Fis_hdf5(path.c_str()) <= 0) {
      throw IoError(path + ": missing, unreadable or not an HDF5 file");
    }
    id_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  } else {
    id_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  }
  if (id_ < 0) throw IoError(path + ": cannot open HDF5 file");
}

Hdf5File::~Hdf5File() {
  if (id_ >= 0) H5Fclose(id_);
}

bool Hdf5File::HasDataset(const std::string& name) const {
  return H5Lexists(id_, name.c_str(), H5P_DEFAULT) > 0;
}

std::vector<int> Hdf5File::DatasetShape(const std::string& name) const {
  if (!HasDataset(name)) throw IoError(path_ + ": no dataset named '" + name + "'");
  Handle dataset(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  Handle space(dataset.ok() ? H5Dget_space(dataset.get()) : -1, H5Sclose);
  if (!space.ok()) throw IoError(path_ + ": cannot open dataset '" + name + "'");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > Blob::kMaxAxes) {
    throw IoError(path_ + ": dataset '" + name + "' has an unsupported rank");
  }
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  std::vector<int> shape;
  for (hsize_t d : dims) {
    if (d > static_cast<hsize_t>(INT_MAX)) {
      throw IoError(path_ + ": dataset '" + name + "' is too large");
    }
    shape.push_back(static_cast<int>(d));
  }
  return shape;
}

void Hdf5File::Read(const std::string& name, Blob* blob) const {
  const std::vector<int> shape = DatasetShape(name);
  Handle dataset(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  Handle type(H5Dget_type(dataset.get()), H5Tclose);
  const H5T_class_t type_class = H5Tget_class(type.get());
  if (type_class != H5T_FLOAT && type_class != H5T_INTEGER) {
    throw IoError(path_ + ": dataset '" + name + "' is not numeric");
  }
  try {
    blob->Reshape(shape);
  } catch (const ShapeError& e) {
    throw IoError(path_ + ": dataset '" + name + "': " + e.what());
  }
  if (H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
              blob->mutable_data()) < 0) {
    throw IoError(path_ + ": cannot read dataset '" + name + "' (truncated or corrupt file?)");
  }
}

void Hdf5File::Write(const std::string& name, const std::vector<int>& shape, const float* data) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle dataset(space.ok() ? H5Dcreate2(id_, name.c_str(), H5T_IEEE_F32LE, space.get(),
                                          H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                            : -1,
                 H5Dclose);
  if (!dataset.ok() ||
      H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    throw IoError(path_ + ": cannot write dataset '" + name + "'");
  }
}

}  // namespace strata
