#include "strata/solver_registry.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "strata/solver.hpp"

namespace strata {
namespace {

TEST(SolverRegistry, HasAllBuiltinSolvers) {
  const std::vector<std::string> builtin = {"AdaDelta", "AdaGrad", "Adam", "AdamW",
                                            "Nesterov", "RMSProp", "SGD"};
  EXPECT_EQ(SolverRegistry::Types(), builtin);
  for (const std::string& type : builtin) EXPECT_TRUE(SolverRegistry::Has(type)) << type;
  EXPECT_FALSE(SolverRegistry::Has("Lion"));
}

TEST(SolverRegistry, UnknownTypeNamesTheKnownOnes) {
  SolverParameter param;
  param.set_type("Lion");
  try {
    CreateSolver(param);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "unknown solver type 'Lion' (known: AdaDelta, AdaGrad, Adam, AdamW, Nesterov, "
                  "RMSProp, SGD)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace strata
