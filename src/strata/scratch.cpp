#include "strata/scratch.hpp"

#include <array>
#include <memory>

#include "strata/storage.hpp"

namespace strata::scratch {

void* Bytes(Key key, size_t bytes) {
  thread_local std::array<std::unique_ptr<Storage>, static_cast<size_t>(Key::kCount)> buffers;
  std::unique_ptr<Storage>& storage = buffers[static_cast<size_t>(key)];
  const size_t floats = (bytes + sizeof(float) - 1) / sizeof(float);
  if (!storage || storage->capacity() < floats) {
    storage.reset();  // grow without copying contents nobody keeps
    storage = std::make_unique<Storage>();
    storage->Reserve(floats);
  }
  return storage->mutable_data();
}

}  // namespace strata::scratch
