#include "strata/filler.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/blob.hpp"
#include "strata/errors.hpp"
#include "strata/random.hpp"

namespace strata {
namespace {

FillerParameter Filler(const std::string& type) {
  FillerParameter param;
  param.set_type(type);
  return param;
}

double Mean(const Blob& blob) {
  double sum = 0;
  for (int i = 0; i < blob.count(); ++i) sum += blob.data()[i];
  return sum / blob.count();
}

double Variance(const Blob& blob) {
  const double mean = Mean(blob);
  double sum = 0;
  for (int i = 0; i < blob.count(); ++i) sum += (blob.data()[i] - mean) * (blob.data()[i] - mean);
  return sum / blob.count();
}

TEST(FillerTest, Constant) {
  FillerParameter param = Filler("constant");
  param.set_value(2.5f);
  Blob blob({3, 4});
  Rng rng;
  FillBlob(param, &rng, &blob);
  for (int i = 0; i < blob.count(); ++i) EXPECT_EQ(blob.data()[i], 2.5f);
}

TEST(FillerTest, UniformStaysInRange) {
  FillerParameter param = Filler("uniform");
  param.set_min(-2);
  param.set_max(3);
  Blob blob({1000});
  Rng rng;
  FillBlob(param, &rng, &blob);
  for (int i = 0; i < blob.count(); ++i) {
    EXPECT_GE(blob.data()[i], -2.f);
    EXPECT_LE(blob.data()[i], 3.f);
  }
  EXPECT_NEAR(Mean(blob), 0.5, 0.2);
}

TEST(FillerTest, GaussianMoments) {
  FillerParameter param = Filler("gaussian");
  param.set_mean(1);
  param.set_std(2);
  Blob blob({100, 100});
  Rng rng;
  FillBlob(param, &rng, &blob);
  EXPECT_NEAR(Mean(blob), 1, 0.1);
  EXPECT_NEAR(std::sqrt(Variance(blob)), 2, 0.1);
}

TEST(FillerTest, SparseGaussianKeepsExpectedFraction) {
  FillerParameter param = Filler("gaussian");
  param.set_sparse(5);
  Blob blob({50, 200});  // keep probability 5 / 50 = 0.1
  Rng rng;
  FillBlob(param, &rng, &blob);
  int nonzero = 0;
  for (int i = 0; i < blob.count(); ++i) nonzero += blob.data()[i] != 0.f;
  EXPECT_NEAR(nonzero / static_cast<double>(blob.count()), 0.1, 0.02);
}

TEST(FillerTest, PositiveUnitballRowsSumToOne) {
  Blob blob({4, 3, 5});
  Rng rng;
  FillBlob(Filler("positive_unitball"), &rng, &blob);
  for (int r = 0; r < 4; ++r) {
    double sum = 0;
    for (int j = 0; j < 15; ++j) {
      EXPECT_GE(blob.data()[r * 15 + j], 0.f);
      sum += blob.data()[r * 15 + j];
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
}

// Blob 40 x 10 x 5: fan_in = 50, fan_out = 200 / ... = 2000 / 10 = 200.
class FanTest : public ::testing::TestWithParam<FillerParameter::VarianceNorm> {};

double ExpectedN(FillerParameter::VarianceNorm norm) {
  const double fan_in = 50, fan_out = 200;
  return norm == FillerParameter::FAN_IN    ? fan_in
         : norm == FillerParameter::FAN_OUT ? fan_out
                                            : (fan_in + fan_out) / 2;
}

TEST_P(FanTest, XavierBoundIsSqrtThreeOverN) {
  FillerParameter param = Filler("xavier");
  param.set_variance_norm(GetParam());
  Blob blob({40, 10, 5});
  Rng rng;
  FillBlob(param, &rng, &blob);
  const double bound = std::sqrt(3 / ExpectedN(GetParam()));
  float max_abs = 0;
  for (int i = 0; i < blob.count(); ++i) max_abs = std::max(max_abs, std::fabs(blob.data()[i]));
  EXPECT_LE(max_abs, bound);
  EXPECT_GT(max_abs, 0.95 * bound);
  EXPECT_NEAR(Variance(blob), 1 / ExpectedN(GetParam()), 0.1 / ExpectedN(GetParam()));
}

TEST_P(FanTest, MsraVarianceIsTwoOverN) {
  FillerParameter param = Filler("msra");
  param.set_variance_norm(GetParam());
  Blob blob({40, 10, 5});
  Rng rng;
  FillBlob(param, &rng, &blob);
  EXPECT_NEAR(Variance(blob), 2 / ExpectedN(GetParam()), 0.15 * 2 / ExpectedN(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(VarianceNorms, FanTest,
                         ::testing::Values(FillerParameter::FAN_IN, FillerParameter::FAN_OUT,
                                           FillerParameter::AVERAGE));

TEST(FillerTest, SameSeedSameValues) {
  Blob a({10}), b({10});
  Rng r1(7), r2(7);
  FillBlob(Filler("msra"), &r1, &a);
  FillBlob(Filler("msra"), &r2, &b);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.data()[i], b.data()[i]);
}

TEST(FillerTest, RejectsUnknownTypeAndBadRanges) {
  Blob blob({3});
  Rng rng;
  EXPECT_THROW(FillBlob(Filler("glorot"), &rng, &blob), ConfigError);
  FillerParameter uniform = Filler("uniform");
  uniform.set_min(2);
  uniform.set_max(1);
  EXPECT_THROW(FillBlob(uniform, &rng, &blob), ConfigError);
  Blob scalar(std::vector<int>{});
  EXPECT_THROW(FillBlob(Filler("xavier"), &rng, &scalar), ConfigError);
}

}  // namespace
}  // namespace strata
