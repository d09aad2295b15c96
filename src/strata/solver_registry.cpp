#include "strata/solver_registry.hpp"

#include "strata/errors.hpp"
#include "strata/registry.hpp"
#include "strata/solver.hpp"

namespace strata {

namespace {
// Function-local so that registrations from any translation unit see it built.
internal::Registry<SolverRegistry::Creator>& Creators() {
  static internal::Registry<SolverRegistry::Creator> creators("solver");
  return creators;
}
}  // namespace

void SolverRegistry::Add(const std::string& type, Creator creator) {
  Creators().Add(type, std::move(creator));
}

bool SolverRegistry::Has(const std::string& type) { return Creators().Find(type) != nullptr; }

std::vector<std::string> SolverRegistry::Types() { return Creators().Names(); }

std::unique_ptr<Solver> SolverRegistry::Create(const std::string& type,
                                               const SolverParameter& param,
                                               const SolverSource* source) {
  const Creator* creator = Creators().Find(type);
  if (creator == nullptr) {
    throw ConfigError((source ? source->Where("type") : std::string()) + "unknown solver type '" +
                      type + "' (known: " + Creators().NameList() + ")");
  }
  return (*creator)(param, source);
}

}  // namespace strata
