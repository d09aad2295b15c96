// The layer registry: type string -> factory. A layer registers itself with one
// line at the end of its .cpp:
//
//   STRATA_REGISTER_LAYER(InnerProduct);   // registers InnerProductLayer as "InnerProduct"
//
// libstrata is a shared library, so every registration runs when it is
// loaded; LayerRegistry.HasAllBuiltinLayers proves each built-in one is there.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net.pb.h"

namespace strata {

class Layer;

class LayerRegistry {
 public:
  using Creator = std::function<std::unique_ptr<Layer>(const LayerParameter&)>;

  static void Add(const std::string& type, Creator creator);
  // Throws ConfigError naming the known types when `param.type()` is unknown.
  static std::unique_ptr<Layer> Create(const LayerParameter& param);
  static bool Has(const std::string& type);
  // Sorted.
  // The registered type nearest to `type` by edit distance (ignoring case).
  static std::string ClosestType(const std::string& type);
  static std::vector<std::string> Types();
};

namespace internal {
struct LayerRegisterer {
  LayerRegisterer(const char* type, LayerRegistry::Creator creator) {
    LayerRegistry::Add(type, std::move(creator));
  }
};
}  // namespace internal

}  // namespace strata

#define STRATA_REGISTER_LAYER(type)                                                      \
  static ::strata::internal::LayerRegisterer g_strata_register_##type##_layer(           \
      #type, [](const ::strata::LayerParameter& p) -> std::unique_ptr<::strata::Layer> { \
        return std::make_unique<type##Layer>(p);                                         \
      })
