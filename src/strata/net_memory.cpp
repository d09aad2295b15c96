// Net memory: the activation-memory plan (blobs whose lifetimes do not
// overlap share storage in inference nets), its figures, and the check that
// the blobs fit in this machine.
#include <algorithm>
#include <set>

#include "strata/errors.hpp"
#include "strata/net.hpp"

namespace strata {

void Net::PlanActivationMemory(const std::vector<std::string>& keep) {
  const int num_blobs = static_cast<int>(blobs_.size());
  for (const auto& name : keep) {
    if (!blob_index_.count(name)) {
      throw ConfigError("keep_blobs names '" + name + "', which net '" + name_ + "' lacks");
    }
  }
  // Blobs that already share memory (Flatten, Reshape, Split alias their
  // bottom) form one group that lives from its first writer to its last reader.
  std::vector<int> group(num_blobs);
  for (int b = 0; b < num_blobs; ++b) {
    group[b] = b;
    for (int a = 0; a < b; ++a) {
      if (blobs_[b]->SharesDataWith(*blobs_[a])) {
        group[b] = group[a];
        break;
      }
    }
  }
  const int n = static_cast<int>(layers_.size());
  std::vector<int> first(num_blobs, n), last(num_blobs, -1);
  std::vector<bool> pinned(num_blobs, false);
  auto touch = [&](int blob, int layer) {
    const int g = group[blob];
    first[g] = std::min(first[g], layer);
    last[g] = std::max(last[g], layer);
  };
  for (int i = 0; i < n; ++i) {
    for (int id : bottom_ids_[i]) touch(id, i);
    for (int id : top_ids_[i]) touch(id, i);
  }
  auto pin = [&](const Blob* blob) {
    for (int b = 0; b < num_blobs; ++b) {
      if (blobs_[b].get() == blob) pinned[group[b]] = true;
    }
  };
  for (const Blob* blob : input_blobs_) pin(blob);
  for (int i = 0; i < n; ++i) {
    if (layers_[i]->WritesTopsEveryPass()) continue;
    for (const Blob* blob : top_vecs_[i]) pin(blob);
  }
  for (const Blob* blob : output_blobs_) pin(blob);
  for (const auto& name : keep) pin(blobs_[blob_index_.at(name)].get());

  // Greedy interval assignment in order of first use: a group takes a free
  // buffer whose previous owner's last reader ran strictly before it.
  std::vector<int> order;
  for (int g = 0; g < num_blobs; ++g) {
    if (group[g] == g && !pinned[g] && last[g] >= 0) order.push_back(g);
  }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return first[a] < first[b]; });
  struct Buffer {
    std::shared_ptr<Storage> storage;
    int busy_until;
  };
  std::vector<Buffer> buffers;
  std::vector<int> buffer_of(num_blobs, -1);
  auto group_count = [&](int g) {
    size_t count = 0;
    for (int b = 0; b < num_blobs; ++b) {
      if (group[b] == g) count = std::max(count, static_cast<size_t>(blobs_[b]->count()));
    }
    return count;
  };
  for (int g : order) {
    const size_t need = group_count(g);
    int best = -1;
    for (size_t k = 0; k < buffers.size(); ++k) {
      if (buffers[k].busy_until >= first[g]) continue;
      // Prefer the smallest buffer that fits, else the largest (it grows least).
      const size_t have = buffers[k].storage->reserved();
      if (best < 0) {
        best = static_cast<int>(k);
        continue;
      }
      const size_t best_have = buffers[best].storage->reserved();
      const bool fits = have >= need, best_fits = best_have >= need;
      if ((fits && (!best_fits || have < best_have)) || (!fits && !best_fits && have > best_have)) {
        best = static_cast<int>(k);
      }
    }
    if (best < 0) {
      buffers.push_back({std::make_shared<Storage>(), -1});
      best = static_cast<int>(buffers.size()) - 1;
    }
    buffers[best].storage->ReserveLazily(need);
    buffers[best].busy_until = last[g];
    buffer_of[g] = best;
  }
  blob_reused_.assign(num_blobs, false);
  for (int b = 0; b < num_blobs; ++b) {
    const int k = buffer_of[group[b]];
    if (k < 0) continue;
    blobs_[b]->UseDataStorage(buffers[k].storage);
    blob_reused_[b] = true;
  }
  reuses_activations_ = true;
  // Layers that alias a bottom in Reshape pick up the new storage.
  Reshape();
}

size_t Net::activation_bytes() const {
  std::set<const Storage*> seen;
  size_t floats = 0;
  for (const auto& blob : blobs_) {
    if (seen.insert(&blob->data_storage()).second) floats += blob->data_storage().reserved();
    if (seen.insert(&blob->diff_storage()).second) floats += blob->diff_storage().capacity();
  }
  return floats * sizeof(float);
}

size_t Net::param_bytes() const {
  std::set<const Storage*> seen;
  size_t floats = 0;
  for (const auto& layer : layers_) {
    for (const auto& blob : layer->blobs()) {
      if (seen.insert(&blob->data_storage()).second) floats += blob->data_storage().reserved();
      if (seen.insert(&blob->diff_storage()).second) floats += blob->diff_storage().capacity();
    }
  }
  return floats * sizeof(float);
}

void Net::CheckMemoryFits() const {
  // Blobs allocate when first touched; refuse now what could never be held.
  double bytes = static_cast<double>(activation_bytes()) + static_cast<double>(param_bytes());
  if (phase_ == TRAIN) bytes *= 2;  // gradients
  if (bytes > static_cast<double>(Storage::MemoryLimitBytes())) {
    throw ShapeError((name_.empty() ? std::string("the net") : "net '" + name_ + "'") +
                     " needs about " + Storage::FormatBytes(bytes) +
                     " for its blobs at these shapes, more than this machine's " +
                     Storage::FormatBytes(static_cast<double>(Storage::MemoryLimitBytes())) +
                     "; use a smaller batch or smaller layers");
  }
}

}  // namespace strata
