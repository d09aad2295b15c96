#include "strata/layer_registry.hpp"

#include <map>

#include "strata/errors.hpp"
#include "strata/layer.hpp"

namespace strata {

namespace {
// Function-local so that registrations from any translation unit see it built.
std::map<std::string, LayerRegistry::Creator>& Creators() {
  static std::map<std::string, LayerRegistry::Creator> creators;
  return creators;
}
}  // namespace

void LayerRegistry::Add(const std::string& type, Creator creator) {
  auto& creators = Creators();
  if (creators.count(type)) throw InternalError("layer type '" + type + "' registered twice");
  creators[type] = std::move(creator);
}

bool LayerRegistry::Has(const std::string& type) { return Creators().count(type) > 0; }

std::vector<std::string> LayerRegistry::Types() {
  std::vector<std::string> types;
  for (const auto& entry : Creators()) types.push_back(entry.first);
  return types;
}

std::unique_ptr<Layer> LayerRegistry::Create(const LayerParameter& param) {
  auto it = Creators().find(param.type());
  if (it == Creators().end()) {
    std::string known;
    for (const auto& type : Types()) known += (known.empty() ? "" : ", ") + type;
    throw ConfigError("unknown layer type '" + param.type() + "' (known types: " + known + ")");
  }
  return it->second(param);
}

}  // namespace strata
