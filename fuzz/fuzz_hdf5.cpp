// The HDF5 reader as the HDF5Data layer and weight loading use it: open a
// file, list groups, read every dataset of the root and of data/<layer>/.
#include "fuzz_util.hpp"
#include "strata/blob.hpp"
#include "strata/errors.hpp"
#include "strata/hdf5.hpp"

namespace {

void ReadAll(const strata::Hdf5File& file, const std::string& group, int depth) {
  if (depth > 3) return;
  for (const std::string& name : file.Children(group)) {
    const std::string path = group == "/" ? name : group + "/" + name;
    if (file.HasDataset(path)) {
      strata::Blob blob;
      file.Read(path, &blob);
    } else if (file.HasGroup(path)) {
      ReadAll(file, path, depth + 1);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::fuzz::Init();
  const std::string path = strata::fuzz::WriteScratch(data, size, ".h5");
  try {
    strata::Hdf5File file(path, strata::Hdf5File::Mode::kRead);
    ReadAll(file, "/", 0);
  } catch (const strata::Error&) {
  }
  return 0;
}
