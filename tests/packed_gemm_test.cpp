// The packed product against a plain triple loop, for every kernel set this
// CPU has: row counts around each kernel's panel sizes, column counts that
// leave a narrow last block, depths past one depth block, leading
// dimensions wider than the product, transposed packing, bias and
// accumulation.
#include "strata/packed_gemm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "strata/errors.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

struct Case {
  int rows, n, depth;
  int extra_ld;  // ldb - n and ldc - n
  bool transposed, bias, accumulate;
};

class PackedGemmTest : public ::testing::TestWithParam<math::Isa> {
 protected:
  void SetUp() override {
    if (!math::CpuSupports(GetParam())) {
      GTEST_SKIP() << "this CPU has no " << math::IsaName(GetParam());
    }
    saved_ = math::GemmIsa();
    math::SetGemmIsa(GetParam());
  }
  void TearDown() override {
    if (math::CpuSupports(GetParam())) math::SetGemmIsa(saved_);
  }
  math::Isa saved_ = math::Isa::kGeneric;
};

void Check(const Case& t, unsigned seed) {
  const int ldb = t.n + t.extra_ld, ldc = t.n + t.extra_ld;
  const auto a = testing::UniformVector(static_cast<size_t>(t.rows) * t.depth, seed);
  const auto b = testing::UniformVector(static_cast<size_t>(t.depth) * ldb, seed + 1);
  const auto bias = testing::UniformVector(t.rows, seed + 2);
  auto c = testing::UniformVector(static_cast<size_t>(t.rows) * ldc, seed + 3);
  std::vector<double> expected(c.begin(), c.end());
  for (int i = 0; i < t.rows; ++i) {
    for (int j = 0; j < t.n; ++j) {
      double sum = t.accumulate ? c[i * ldc + j] : t.bias ? bias[i] : 0.0;
      for (int k = 0; k < t.depth; ++k) {
        // A is rows x depth, or stored as its transpose (depth x rows).
        const float aik = t.transposed ? a[k * t.rows + i] : a[i * t.depth + k];
        sum += static_cast<double>(aik) * b[k * ldb + j];
      }
      expected[i * ldc + j] = sum;
    }
  }
  math::PackedMatrix packed;
  packed.Pack(t.transposed, t.rows, t.depth, a.data());
  math::GemmPacked(packed, t.n, b.data(), ldb, t.bias ? bias.data() : nullptr, t.accumulate,
                   c.data(), ldc);
  const std::string what = "rows " + std::to_string(t.rows) + " n " + std::to_string(t.n) +
                           " depth " + std::to_string(t.depth) + " ld +" +
                           std::to_string(t.extra_ld) + (t.transposed ? " transposed" : "") +
                           (t.bias ? " bias" : "") + (t.accumulate ? " accumulate" : "");
  for (int i = 0; i < t.rows; ++i) {
    for (int j = 0; j < ldc; ++j) {
      const double want = expected[i * ldc + j];
      // Columns past n must be untouched.
      const double tol = j < t.n ? 1e-5 * (1 + t.depth) : 0.0;
      ASSERT_NEAR(c[i * ldc + j], want, tol) << what << " at (" << i << ", " << j << ")";
    }
  }
}

TEST_P(PackedGemmTest, MatchesTripleLoop) {
  unsigned seed = 1;
  for (int rows : {1, 3, 4, 5, 6, 7, 11, 12, 13, 20, 25, 50}) {
    for (int n : {1, 7, 8, 16, 31, 32, 33, 64, 100}) {
      for (int depth : {1, 5, 25, 257, 600}) {
        if (rows * n * depth > 2000000) continue;
        Check({rows, n, depth, 0, false, false, false}, seed++);
      }
    }
  }
  for (int extra : {0, 9}) {
    for (bool transposed : {false, true}) {
      Check({50, 64, 500, extra, transposed, true, false}, seed++);
      Check({13, 45, 300, extra, transposed, false, true}, seed++);
      Check({500, 40, 50, extra, transposed, false, false}, seed++);
    }
  }
}

TEST_P(PackedGemmTest, EmptyDepthLeavesBiasOrZero) {
  math::PackedMatrix packed;
  packed.Pack(false, 3, 0, nullptr);
  std::vector<float> c(6, 7.f), bias{1.f, 2.f, 3.f};
  math::GemmPacked(packed, 2, nullptr, 2, bias.data(), false, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{1, 1, 2, 2, 3, 3}));
  math::GemmPacked(packed, 2, nullptr, 2, nullptr, true, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{1, 1, 2, 2, 3, 3}));
}

INSTANTIATE_TEST_SUITE_P(EveryKernelSet, PackedGemmTest,
                         ::testing::Values(math::Isa::kGeneric, math::Isa::kAvx2,
                                           math::Isa::kAvx512),
                         [](const auto& info) { return std::string(math::IsaName(info.param)); });

TEST(PackedGemmIsa, RefusesWhatTheCpuLacks) {
  for (math::Isa isa : {math::Isa::kGeneric, math::Isa::kAvx2, math::Isa::kAvx512}) {
    if (math::CpuSupports(isa)) continue;
    EXPECT_THROW(math::SetGemmIsa(isa), ConfigError);
  }
  EXPECT_TRUE(math::CpuSupports(math::Isa::kGeneric));
}

}  // namespace
}  // namespace strata
