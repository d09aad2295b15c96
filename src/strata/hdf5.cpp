#include "strata/hdf5.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>

#include "strata/blob.hpp"
#include "strata/errors.hpp"
#include "strata/io.hpp"

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

// HDF5 reports a failed write through its own error stack; the reason the
// user can act on (a full disk, a file-size limit) is left in errno.
std::string WriteFailureReason(int error) {
  if (error == ENOSPC || error == EDQUOT) return ": the disk is full (no space left on device)";
  if (error == EFBIG) return ": File too large (the file-size limit, ulimit -f, is reached)";
  return "";
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
  errno = 0;  // read after a failed open for its reason
  if (mode == Mode::kRead) {
    if (H5Fis_hdf5(path.c_str()) <= 0) {
      throw IoError(path + ": missing, unreadable or not an HDF5 file");
    }
    id_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  } else if (mode == Mode::kAppend) {
    id_ = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  } else {
    // Built in memory (HDF5's core driver, no backing store) and written out
    // by WriteImage with plain writes: a full disk is then an error with its
    // reason, where HDF5 writing the file itself left a file it could neither
    // flush nor close (and crashed at exit).
    memory_ = true;
    Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    if (access.ok() && H5Pset_fapl_core(access.get(), size_t{1} << 20, 0) >= 0) {
      id_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get());
    }
  }
  if (id_ < 0) throw IoError(path + ": cannot open HDF5 file" + WriteFailureReason(errno));
}

Hdf5File::~Hdf5File() {
  if (memory_ && unwritten_) {
    try {
      WriteImage();
    } catch (const Error&) {
      // A destructor cannot report it; callers that must know call Flush.
    }
  }
  if (id_ >= 0) H5Fclose(id_);
}

void Hdf5File::WriteImage() {
  H5Fflush(id_, H5F_SCOPE_GLOBAL);
  const ssize_t size = H5Fget_file_image(id_, nullptr, 0);
  std::string image(size > 0 ? static_cast<size_t>(size) : 0, '\0');
  if (size <= 0 || H5Fget_file_image(id_, &image[0], image.size()) != size) {
    throw IoError(path_ + ": cannot serialize the HDF5 file");
  }
  WriteFileAtomically(path_, image);  // plain writes: a full disk is named by errno
  unwritten_ = false;
}

bool IsHdf5File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char signature[8] = {};
  in.read(signature, 8);
  return in.gcount() == 8 && std::memcmp(signature, "\x89HDF\r\n\x1a\n", 8) == 0;
}

bool Hdf5File::Exists(const std::string& name) const {
  // H5Lexists needs every group on the path to exist; check each prefix.
  size_t at = 0;
  while (true) {
    at = name.find('/', at + 1);
    const std::string prefix = name.substr(0, at);
    if (H5Lexists(id_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (at == std::string::npos) return true;
  }
}

namespace {
H5O_type_t ObjectType(hid_t file, const std::string& name) {
  H5O_info_t info;
  if (H5Oget_info_by_name(file, name.c_str(), &info, H5P_DEFAULT) < 0) return H5O_TYPE_UNKNOWN;
  return info.type;
}
}  // namespace

bool Hdf5File::HasDataset(const std::string& name) const {
  return Exists(name) && ObjectType(id_, name) == H5O_TYPE_DATASET;
}

bool Hdf5File::HasGroup(const std::string& name) const {
  return Exists(name) && ObjectType(id_, name) == H5O_TYPE_GROUP;
}

void Hdf5File::CreateGroup(const std::string& name) {
  unwritten_ = true;
  Handle group(H5Gcreate2(id_, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  if (!group.ok()) throw IoError(path_ + ": cannot create group '" + name + "'");
}

std::vector<std::string> Hdf5File::Children(const std::string& group) const {
  if (!HasGroup(group)) throw IoError(path_ + ": no group named '" + group + "'");
  Handle handle(H5Gopen2(id_, group.c_str(), H5P_DEFAULT), H5Gclose);
  H5G_info_t info;
  if (!handle.ok() || H5Gget_info(handle.get(), &info) < 0) {
    throw IoError(path_ + ": cannot read group '" + group + "'");
  }
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t size = H5Lget_name_by_idx(handle.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i,
                                            nullptr, 0, H5P_DEFAULT);
    if (size < 0) throw IoError(path_ + ": cannot read group '" + group + "'");
    std::string name(static_cast<size_t>(size), '\0');
    H5Lget_name_by_idx(handle.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(),
                       static_cast<size_t>(size) + 1, H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

void Hdf5File::WriteInt(const std::string& name, int value) {
  unwritten_ = true;
  const hsize_t one = 1;
  if (H5LTmake_dataset_int(id_, name.c_str(), 1, &one, &value) < 0) {
    throw IoError(path_ + ": cannot write '" + name + "'");
  }
}

int Hdf5File::ReadInt(const std::string& name) const {
  if (!HasDataset(name)) throw IoError(path_ + ": no dataset named '" + name + "'");
  if (DatasetShape(name) != std::vector<int>{1}) {
    throw IoError(path_ + ": '" + name + "' is not a single integer");
  }
  int value = 0;
  if (H5LTread_dataset_int(id_, name.c_str(), &value) < 0) {
    throw IoError(path_ + ": cannot read '" + name + "'");
  }
  return value;
}

void Hdf5File::WriteString(const std::string& name, const std::string& value) {
  unwritten_ = true;
  if (H5LTmake_dataset_string(id_, name.c_str(), value.c_str()) < 0) {
    throw IoError(path_ + ": cannot write '" + name + "'");
  }
}

std::string Hdf5File::ReadString(const std::string& name) const {
  if (!HasDataset(name)) throw IoError(path_ + ": no dataset named '" + name + "'");
  H5T_class_t type_class;
  size_t size = 0;
  if (H5LTget_dataset_info(id_, name.c_str(), nullptr, &type_class, &size) < 0 ||
      type_class != H5T_STRING) {
    throw IoError(path_ + ": '" + name + "' is not a string");
  }
  std::string value(size, '\0');
  if (H5LTread_dataset_string(id_, name.c_str(), value.data()) < 0) {
    throw IoError(path_ + ": cannot read '" + name + "'");
  }
  value.resize(std::strlen(value.c_str()));
  return value;
}

void Hdf5File::WriteBytes(const std::string& name, const std::string& bytes) {
  unwritten_ = true;
  const hsize_t size = bytes.size();
  if (H5LTmake_dataset(id_, name.c_str(), 1, &size, H5T_NATIVE_UCHAR, bytes.data()) < 0) {
    throw IoError(path_ + ": cannot write '" + name + "'");
  }
}

std::string Hdf5File::ReadBytes(const std::string& name) const {
  const std::vector<int> shape = DatasetShape(name);
  if (shape.size() != 1) throw IoError(path_ + ": '" + name + "' is not a byte array");
  std::string bytes(static_cast<size_t>(shape[0]), '\0');
  if (!bytes.empty() && H5LTread_dataset(id_, name.c_str(), H5T_NATIVE_UCHAR, bytes.data()) < 0) {
    throw IoError(path_ + ": cannot read '" + name + "'");
  }
  return bytes;
}

void Hdf5File::Flush() {
  if (memory_) {
    WriteImage();
    return;
  }
  errno = 0;
  if (H5Fflush(id_, H5F_SCOPE_GLOBAL) < 0) {
    throw IoError(path_ + ": cannot flush" + WriteFailureReason(errno));
  }
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
  unwritten_ = true;
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle dataset(space.ok() ? H5Dcreate2(id_, name.c_str(), H5T_IEEE_F32LE, space.get(),
                                         H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                            : -1,
                 H5Dclose);
  errno = 0;
  if (!dataset.ok() ||
      H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    throw IoError(path_ + ": cannot write dataset '" + name + "'" + WriteFailureReason(errno));
  }
}

void Hdf5File::CreateExtendible(const std::string& name, const std::vector<int>& item_shape) {
  unwritten_ = true;
  std::vector<hsize_t> dims = {0}, max_dims = {H5S_UNLIMITED}, chunk = {1};
  hsize_t item = 1;
  for (int d : item_shape) {
    dims.push_back(static_cast<hsize_t>(d));
    max_dims.push_back(static_cast<hsize_t>(d));
    chunk.push_back(static_cast<hsize_t>(std::max(d, 1)));
    item *= static_cast<hsize_t>(std::max(d, 1));
  }
  chunk[0] = std::max<hsize_t>(1, 16384 / item);  // chunks of about 64 KB
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), max_dims.data()),
               H5Sclose);
  Handle properties(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  Handle dataset(
      space.ok() && properties.ok() &&
              H5Pset_chunk(properties.get(), static_cast<int>(chunk.size()), chunk.data()) >= 0
          ? H5Dcreate2(id_, name.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                       properties.get(), H5P_DEFAULT)
          : -1,
      H5Dclose);
  if (!dataset.ok()) throw IoError(path_ + ": cannot create dataset '" + name + "'");
}

void Hdf5File::Append(const std::string& name, int rows, const float* data) {
  unwritten_ = true;
  if (rows == 0) return;
  Handle dataset(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  Handle old_space(dataset.ok() ? H5Dget_space(dataset.get()) : -1, H5Sclose);
  const int rank = old_space.ok() ? H5Sget_simple_extent_ndims(old_space.get()) : -1;
  if (rank < 1) throw IoError(path_ + ": no extendible dataset '" + name + "'");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(old_space.get(), dims.data(), nullptr);
  const hsize_t first = dims[0];
  dims[0] += static_cast<hsize_t>(rows);
  errno = 0;
  if (H5Dset_extent(dataset.get(), dims.data()) < 0) {
    throw IoError(path_ + ": cannot grow dataset '" + name + "'" + WriteFailureReason(errno));
  }
  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  start[0] = first;
  count[0] = static_cast<hsize_t>(rows);
  Handle file_space(H5Dget_space(dataset.get()), H5Sclose);
  Handle memory_space(H5Screate_simple(rank, count.data(), nullptr), H5Sclose);
  errno = 0;
  if (!file_space.ok() || !memory_space.ok() ||
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                          nullptr) < 0 ||
      H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, memory_space.get(), file_space.get(), H5P_DEFAULT,
               data) < 0) {
    throw IoError(path_ + ": cannot append to dataset '" + name + "'" + WriteFailureReason(errno));
  }
}

}  // namespace strata
