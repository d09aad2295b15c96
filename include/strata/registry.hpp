// The name -> factory table behind the layer and solver registries
// (layer_registry.hpp, solver_registry.hpp): names kept sorted, each added once.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "strata/errors.hpp"

namespace strata::internal {

template <typename Creator>
class Registry {
 public:
  // `kind` names the entries in messages ("layer", "solver").
  explicit Registry(const char* kind) : kind_(kind) {}

  void Add(const std::string& name, Creator creator) {
    if (!creators_.emplace(name, std::move(creator)).second) {
      throw InternalError(std::string(kind_) + " type '" + name + "' registered twice");
    }
  }
  // nullptr when `name` was not added.
  const Creator* Find(const std::string& name) const {
    const auto it = creators_.find(name);
    return it == creators_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& entry : creators_) names.push_back(entry.first);
    return names;
  }
  // "A, B, C", for messages.
  std::string NameList() const {
    std::string list;
    for (const auto& entry : creators_) list += (list.empty() ? "" : ", ") + entry.first;
    return list;
  }

 private:
  const char* kind_;
  std::map<std::string, Creator> creators_;
};

}  // namespace strata::internal
