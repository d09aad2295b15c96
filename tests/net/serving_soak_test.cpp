// The short version of benchmarks/serving_soak: 8 threads sharing one trained
// LeNet serve 4,000 requests; every answer equals the single-threaded one and
// resident memory does not grow after warm-up. (Speed is the benchmark's.)
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "support/test_util.hpp"
#include "support/tool_runner.hpp"

namespace strata {
namespace {

// Sanitizers run the soak for its races and answers: they keep freed memory
// (quarantine, shadow), so resident memory says nothing there, and they are
// a hundred times slower.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

TEST(ServingSoakTest, EightThreadsAnswerRightWithoutGrowing) {
  const char* build = std::getenv("STRATA_BUILD_DIR");
  const std::string soak = std::string(build ? build : "build") + "/benchmarks/serving_soak";
  const std::string fixtures = testing::kCaffeFixtures;
  if (!std::filesystem::exists(fixtures))
    GTEST_FAIL() << fixtures << " is missing: the repository holds it";
  const auto r = testing::RunShell(soak + " --model=" + fixtures +
                                   "/lenet_deploy.prototxt --weights=" + fixtures +
                                   "/lenet_fashion_iter_10000.caffemodel --threads=8 --requests=" +
                                   (kSanitized ? "400" : "4000"));
  std::cout << r.out;
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("mismatches 0"), std::string::npos);
  std::smatch growth;
  ASSERT_TRUE(std::regex_search(r.out, growth, std::regex("growth (-?[0-9]+) KB"))) << r.out;
  // Allocator noise stays under a megabyte; a leak of 1 KB per request is 4 MB.
  if (!kSanitized) {
    EXPECT_LT(std::stol(growth[1]), 2048) << r.out;
  }
  EXPECT_NE(r.out.find("latency p50"), std::string::npos);
}

}  // namespace
}  // namespace strata
