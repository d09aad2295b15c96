// The solver registry: type string -> factory, as the layer registry. A
// solver registers itself with one line at the end of its .cpp:
//
//   STRATA_REGISTER_SOLVER(Nesterov);   // registers NesterovSolver as "Nesterov"
//
// CreateSolver (solver.hpp) asks it. libstrata is a shared library, so every
// registration runs when it is loaded; SolverRegistry.HasAllBuiltinSolvers
// proves each built-in one is there.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "solver.pb.h"

namespace strata {

class Solver;
struct SolverSource;

class SolverRegistry {
 public:
  using Creator =
      std::function<std::unique_ptr<Solver>(const SolverParameter&, const SolverSource*)>;

  static void Add(const std::string& type, Creator creator);
  // ConfigError naming the known types (and, with `source`, the file:line:col
  // of `type`) when the type is unknown.
  static std::unique_ptr<Solver> Create(const std::string& type, const SolverParameter& param,
                                        const SolverSource* source);
  static bool Has(const std::string& type);
  // Sorted.
  static std::vector<std::string> Types();
};

namespace internal {
struct SolverRegisterer {
  SolverRegisterer(const char* type, SolverRegistry::Creator creator) {
    SolverRegistry::Add(type, std::move(creator));
  }
};
}  // namespace internal

}  // namespace strata

#define STRATA_REGISTER_SOLVER(type)                                             \
  static ::strata::internal::SolverRegisterer g_strata_register_##type##_solver( \
      #type,                                                                     \
      [](const ::strata::SolverParameter& p, const ::strata::SolverSource* s)    \
          -> std::unique_ptr<::strata::Solver> { return std::make_unique<type##Solver>(p, s); })
