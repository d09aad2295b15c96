// The packed product against a plain triple loop, for every kernel set this
// CPU has: row counts around each kernel's panel sizes, column counts that
// leave a narrow last block, depths past one depth block, leading
// dimensions wider than the product, transposed packing, bias and
// accumulation; and the product that reads its right operand straight from
// an image through a window, against unfolding it with Im2col.
#include "strata/packed_gemm.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "strata/errors.hpp"
#include "strata/gemm_nt.hpp"
#include "strata/kernels/gemm_kernels.hpp"
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
    math::SetGemmIsa(GetParam());
  }
  const testing::ScopedGemmIsa isa_guard_;
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
    // Past the whole blocks (16 columns in AVX2, 32 in AVX-512): a half block
    // (8, 16), then a zero-padded edge; 24, 48 end in a half block exactly.
    // In AVX-512 a rest of up to 4 columns runs in narrow tiles, after a
    // half block or not (1, 19, 33).
    for (int n : {1, 7, 8, 16, 19, 24, 31, 32, 33, 48, 53, 64, 100}) {
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
      Check({50, 56, 20, extra, transposed, true, false}, seed++);
      Check({12, 24, 20, extra, transposed, false, true}, seed++);
      Check({500, 40, 50, extra, transposed, false, false}, seed++);
      // A last 2 or 3 columns past the blocks, onto C or from the bias.
      Check({13, 50, 300, extra, transposed, false, true}, seed++);
      Check({20, 35, 260, extra, transposed, true, false}, seed++);
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

// A stored in column blocks (a recurrent layer's steps: each block rows x
// block, blocks block_stride apart, the rows a part of a taller block) packs
// to the same product as the row-major A, to the bit; a depth that is no
// multiple of the block is refused.
TEST_P(PackedGemmTest, PackBlocksEqualsPackingRowMajor) {
  unsigned seed = 60;
  for (const int rows : {1, 13, 40}) {
    for (const int block : {1, 5, 32}) {
      const int blocks = 7, depth = blocks * block, n = 37, first = 3, tall = rows + 5;
      const size_t stride = static_cast<size_t>(tall) * block;
      const auto stored = testing::UniformVector(stride * blocks, seed++);
      std::vector<float> a(static_cast<size_t>(rows) * depth);
      for (int r = 0; r < rows; ++r) {
        for (int k = 0; k < depth; ++k) {
          a[static_cast<size_t>(r) * depth + k] =
              stored[(k / block) * stride + static_cast<size_t>(first + r) * block + k % block];
        }
      }
      const auto b = testing::UniformVector(static_cast<size_t>(depth) * n, seed++);
      math::PackedMatrix plain, blocked;
      plain.Pack(false, rows, depth, a.data());
      blocked.PackBlocks(rows, depth, block, stride, stored.data() + first * block);
      std::vector<float> expected(static_cast<size_t>(rows) * n), got(expected.size());
      math::GemmPacked(plain, n, b.data(), n, nullptr, false, expected.data(), n);
      math::GemmPacked(blocked, n, b.data(), n, nullptr, false, got.data(), n);
      EXPECT_EQ(got, expected) << "rows " << rows << " block " << block;
    }
  }
  math::PackedMatrix packed;
  EXPECT_THROW(packed.PackBlocks(2, 9, 4, 8, nullptr), InternalError);
}

// Reading B through the window equals unfolding it first: output widths of
// one to three runs of 8, heights that leave a narrow last column block,
// kernels from 1x1 to 5x5, more than one depth block.
TEST_P(PackedGemmTest, WindowReadEqualsUnfolding) {
  struct Geometry {
    int channels, out_h, out_w, kernel_h, kernel_w;
  };
  unsigned seed = 100;
  for (const Geometry& g :
       {Geometry{1, 24, 24, 5, 5}, Geometry{20, 8, 8, 5, 5}, Geometry{3, 5, 8, 3, 3},
        Geometry{2, 3, 16, 1, 1}, Geometry{4, 7, 24, 2, 3}, Geometry{12, 2, 8, 5, 5}}) {
    math::Window2d w{g.channels, g.out_h + g.kernel_h - 1, g.out_w + g.kernel_w - 1, g.kernel_h,
                     g.kernel_w};
    const int rows = 13, depth = g.channels * g.kernel_h * g.kernel_w;
    const int spatial = g.out_h * g.out_w, ldc = spatial + 5;
    const auto a = testing::UniformVector(static_cast<size_t>(rows) * depth, seed++);
    const auto image =
        testing::UniformVector(static_cast<size_t>(g.channels) * w.height * w.width, seed++);
    const auto bias = testing::UniformVector(rows, seed++);
    std::vector<float> columns(static_cast<size_t>(depth) * spatial);
    math::Im2col(image.data(), w, columns.data());
    math::PackedMatrix packed;
    packed.Pack(false, rows, depth, a.data());
    const std::string what = "channels " + std::to_string(g.channels) + ", " +
                             std::to_string(g.out_h) + "x" + std::to_string(g.out_w) +
                             " outputs, kernel " + std::to_string(g.kernel_h) + "x" +
                             std::to_string(g.kernel_w);
    if (GetParam() == math::Isa::kGeneric) {
      EXPECT_FALSE(math::ReadsWindow(packed, w)) << what;
      continue;
    }
    ASSERT_TRUE(math::ReadsWindow(packed, w)) << what;
    std::vector<float> c(static_cast<size_t>(rows) * ldc, 42.f);
    math::GemmPackedWindow(packed, image.data(), w, bias.data(), c.data(), ldc);
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < ldc; ++j) {
        double want = 42.0;
        if (j < spatial) {
          want = bias[i];
          for (int k = 0; k < depth; ++k) {
            want += static_cast<double>(a[i * depth + k]) * columns[k * spatial + j];
          }
        }
        ASSERT_NEAR(c[i * ldc + j], want, j < spatial ? 1e-4 : 0.0)
            << what << " at (" << i << ", " << j << ")";
      }
    }
  }
}

// `plain` made strided, padded, dilated, and one output short of a multiple of 8 wide.
std::vector<math::Window2d> NotPlain(const math::Window2d& plain) {
  std::vector<math::Window2d> others(4, plain);
  others[0].stride_h = 2;
  others[1].pad_w = 1;
  others[2].dilation_h = 2;
  others[3].width = plain.width - 1;
  return others;
}

TEST_P(PackedGemmTest, WindowReadOnlyForPlainWindows) {
  math::PackedMatrix packed;
  const auto a = testing::UniformVector(4 * 9, 7);
  packed.Pack(false, 4, 9, a.data());
  const math::Window2d plain{1, 10, 10, 3, 3};  // 8x8 outputs
  EXPECT_EQ(math::ReadsWindow(packed, plain), GetParam() != math::Isa::kGeneric);
  const std::vector<math::Window2d> others = NotPlain(plain);
  for (const auto& w : others) EXPECT_FALSE(math::ReadsWindow(packed, w));
  math::Window2d two_channels = plain;
  two_channels.channels = 2;  // depth would be 18, not 9
  EXPECT_FALSE(math::ReadsWindow(packed, two_channels));
  std::vector<float> c(64);
  std::vector<float> image(100);
  EXPECT_THROW(math::GemmPackedWindow(packed, image.data(), others[0], nullptr, c.data(), 64),
               InternalError);
}

// The weight gradient read through windows equals dw + sum_b dy_b * Im2col(x_b)^T,
// for row counts around the 3-row tiles, patches that are not multiples of
// the 4-entry tiles, images further apart than their size (a group's slice of
// a wider blob), and batches that span several blocks of images.
TEST_P(PackedGemmTest, WeightGradWindowEqualsUnfoldedProduct) {
  struct Geometry {
    int channels, out_h, out_w, kernel_h, kernel_w, rows, count;
  };
  unsigned seed = 300;
  for (const Geometry& g : {Geometry{1, 24, 24, 5, 5, 20, 3}, Geometry{20, 8, 8, 5, 5, 50, 5},
                            Geometry{3, 5, 8, 3, 3, 1, 2}, Geometry{2, 3, 16, 1, 1, 4, 1},
                            Geometry{4, 7, 24, 2, 3, 5, 2}, Geometry{1, 24, 24, 5, 5, 2, 61}}) {
    math::Window2d w{g.channels, g.out_h + g.kernel_h - 1, g.out_w + g.kernel_w - 1, g.kernel_h,
                     g.kernel_w};
    const int patch = g.channels * g.kernel_h * g.kernel_w, spatial = g.out_h * g.out_w;
    const size_t image_size = static_cast<size_t>(g.channels) * w.height * w.width;
    const size_t image_stride = image_size + 7,
                 dy_stride = static_cast<size_t>(g.rows) * spatial + 3;
    const auto images = testing::UniformVector(image_stride * g.count, seed++);
    const auto dy = testing::UniformVector(dy_stride * g.count, seed++);
    const auto start = testing::UniformVector(static_cast<size_t>(g.rows) * patch, seed++);
    const std::string what = "channels " + std::to_string(g.channels) + ", " +
                             std::to_string(g.out_h) + "x" + std::to_string(g.out_w) +
                             " outputs, kernel " + std::to_string(g.kernel_h) + "x" +
                             std::to_string(g.kernel_w) + ", " + std::to_string(g.rows) +
                             " rows, " + std::to_string(g.count) + " images";
    if (GetParam() == math::Isa::kGeneric) {
      EXPECT_FALSE(math::WeightGradReadsWindow(w)) << what;
      continue;
    }
    ASSERT_TRUE(math::WeightGradReadsWindow(w)) << what;
    std::vector<double> want(start.begin(), start.end());
    std::vector<float> columns(static_cast<size_t>(patch) * spatial);
    for (int b = 0; b < g.count; ++b) {
      math::Im2col(images.data() + b * image_stride, w, columns.data());
      for (int i = 0; i < g.rows; ++i) {
        for (int e = 0; e < patch; ++e) {
          for (int p = 0; p < spatial; ++p) {
            want[static_cast<size_t>(i) * patch + e] +=
                static_cast<double>(dy[b * dy_stride + static_cast<size_t>(i) * spatial + p]) *
                columns[static_cast<size_t>(e) * spatial + p];
          }
        }
      }
    }
    std::vector<float> dw = start;
    math::WeightGradWindow(g.rows, dy.data(), dy_stride, images.data(), image_stride, g.count, w,
                           dw.data());
    for (size_t i = 0; i < dw.size(); ++i) {
      ASSERT_NEAR(dw[i], want[i], 1e-4 * (1 + std::abs(want[i]))) << what << " at " << i;
    }
  }
}

TEST_P(PackedGemmTest, WeightGradWindowOnlyForPlainWindows) {
  const math::Window2d plain{1, 10, 10, 3, 3};  // 8x8 outputs
  EXPECT_EQ(math::WeightGradReadsWindow(plain), GetParam() != math::Isa::kGeneric);
  const std::vector<math::Window2d> others = NotPlain(plain);
  for (const auto& w : others) EXPECT_FALSE(math::WeightGradReadsWindow(w));
  std::vector<float> dw(9), dy(64), image(100);
  EXPECT_THROW(math::WeightGradWindow(1, dy.data(), 64, image.data(), 100, 1, others[1], dw.data()),
               InternalError);
}

struct NtShape {
  int m, n, depth;
};

// GemmAccumulateNT on random operands with these leading dimensions, against
// the triple loop in double.
void CheckAccumulateNT(const NtShape& t, int lda, int ldb, int ldc, unsigned seed) {
  SCOPED_TRACE(std::to_string(t.m) + "x" + std::to_string(t.n) + " depth " +
               std::to_string(t.depth));
  const auto a = testing::UniformVector(static_cast<size_t>(t.m) * lda, seed);
  const auto b = testing::UniformVector(static_cast<size_t>(t.n) * ldb, seed + 1);
  auto c = testing::UniformVector(static_cast<size_t>(t.m) * ldc, seed + 2);
  std::vector<double> expected(c.begin(), c.end());
  for (int i = 0; i < t.m; ++i) {
    for (int j = 0; j < t.n; ++j) {
      for (int k = 0; k < t.depth; ++k) {
        expected[i * ldc + j] += static_cast<double>(a[i * lda + k]) * b[j * ldb + k];
      }
    }
  }
  math::GemmAccumulateNT(t.m, t.n, t.depth, a.data(), lda, b.data(), ldb, c.data(), ldc);
  for (size_t i = 0; i < c.size(); ++i) ASSERT_NEAR(c[i], expected[i], 1e-4) << i;
}

// C += A * B^T with both operands along the depth: block edges (rows by 3 on
// AVX2, 4 on AVX-512, columns by 4), depths with and without a remainder past
// the last 8 or 16, and leading dimensions wider than the depth or C's width;
// a depth of 2,500 runs in the dot tiles' blocks of 1,024 (and 4 past them).
TEST_P(PackedGemmTest, AccumulateNTMatchesTripleLoop) {
  unsigned seed = 40;
  for (const NtShape& t :
       {NtShape{50, 20, 64}, NtShape{1, 1, 8}, NtShape{4, 5, 13}, NtShape{7, 9, 3},
        NtShape{3, 4, 0}, NtShape{11, 6, 45}, NtShape{6, 5, 2500}}) {
    CheckAccumulateNT(t, t.depth + 3, t.depth + 5, t.n + 2, seed += 3);
  }
}

// Short sums, which the AVX-512 set runs on stripes of A and B transposed 16
// rows at a time: sides past multiples of 16 (and far from them: dot tiles),
// depths with a remainder past the last 16 and past the stripes' 256 steps,
// and leading dimensions wider than the depth.
TEST_P(PackedGemmTest, AccumulateNTShortSumsOnStripes) {
  unsigned seed = 70;
  struct Case {
    NtShape shape;
    bool stripes;  // with AVX-512
  };
  for (const Case& c :
       {Case{{130, 131, 49}, true}, Case{{128, 128, 16}, true}, Case{{16, 1300, 7}, true},
        Case{{64, 48, 256}, true}, Case{{33, 17, 250}, false}, Case{{24, 24, 128}, false},
        Case{{32, 64, 300}, false}}) {
    const NtShape& t = c.shape;
    EXPECT_EQ(math::NtTakesStripes(t.m, t.n, t.depth),
              c.stripes && GetParam() == math::Isa::kAvx512)
        << t.m << " x " << t.n << " x " << t.depth;
    CheckAccumulateNT(t, t.depth + 3, t.depth + 5, t.n + 2, seed += 3);
  }
}

// The stripes' kernel itself over sums past its 256 steps (blocks of 256,
// C re-read between them), where the CPU has AVX-512.
TEST(StripesKernelTest, LongSumsRunInBlocks) {
  if (!math::CpuSupports(math::Isa::kAvx512)) GTEST_SKIP() << "no AVX-512 on this CPU";
  const int m = 20, n = 35, depth = 600, lda = 603, ldb = 605, ldc = 37;
  const auto a = testing::UniformVector(static_cast<size_t>(m) * lda, 91);
  const auto b = testing::UniformVector(static_cast<size_t>(n) * ldb, 92);
  auto c = testing::UniformVector(static_cast<size_t>(m) * ldc, 93);
  std::vector<double> expected(c.begin(), c.end());
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      for (int k = 0; k < depth; ++k) {
        expected[i * ldc + j] += static_cast<double>(a[i * lda + k]) * b[j * ldb + k];
      }
    }
  }
  std::vector<float> workspace(kernels::NtStripesWorkspace(n, depth));
  kernels::Avx512GemmNTStripes(m, n, depth, a.data(), lda, b.data(), ldb, c.data(), ldc,
                               workspace.data());
  for (size_t i = 0; i < c.size(); ++i) ASSERT_NEAR(c[i], expected[i], 1e-4) << i;
}

// Images apart in memory (strides past their size), leading dimensions wider
// than n: each image's whole blocks, and the last columns of all the images
// as one gathered product; what lies between the images stays untouched.
TEST_P(PackedGemmTest, ImagesMatchTripleLoop) {
  unsigned seed = 60;
  for (int count : {1, 2, 5}) {
    for (int n : {1, 7, 16, 36, 49, 100}) {
      for (int depth : {5, 257}) {
        // 100 rows beside 64 columns or fewer: one image's row panels are
        // spread over the threads (GemmPackedSpread), not its columns.
        for (const auto& [rows, bias] : {std::pair{3, false}, {13, true}, {100, true}}) {
          const int ldb = n + 2, ldc = n + 3;
          const size_t b_stride = static_cast<size_t>(depth) * ldb + 5;
          const size_t c_stride = static_cast<size_t>(rows) * ldc + 7;
          SCOPED_TRACE(std::to_string(count) + " images, n " + std::to_string(n) + ", depth " +
                       std::to_string(depth) + ", rows " + std::to_string(rows) +
                       (bias ? ", bias" : ""));
          const auto a = testing::UniformVector(static_cast<size_t>(rows) * depth, seed++);
          const auto b = testing::UniformVector(b_stride * count, seed++);
          const auto row_bias = testing::UniformVector(rows, seed++);
          auto c = testing::UniformVector(c_stride * count, seed++);
          std::vector<double> expected(c.begin(), c.end());
          for (int image = 0; image < count; ++image) {
            for (int i = 0; i < rows; ++i) {
              for (int j = 0; j < n; ++j) {
                double sum = bias ? row_bias[i] : 0.0;
                for (int k = 0; k < depth; ++k) {
                  sum += static_cast<double>(a[i * depth + k]) * b[image * b_stride + k * ldb + j];
                }
                expected[image * c_stride + i * ldc + j] = sum;
              }
            }
          }
          math::PackedMatrix packed;
          packed.Pack(false, rows, depth, a.data());
          math::GemmPackedImages(packed, count, n, b.data(), b_stride, ldb,
                                 bias ? row_bias.data() : nullptr, c.data(), c_stride, ldc);
          for (size_t i = 0; i < c.size(); ++i) {
            ASSERT_NEAR(c[i], expected[i], 1e-5 * (1 + depth)) << "at " << i;
          }
        }
      }
    }
  }
}

// A column's sums do not depend on the block that computes it (a whole,
// half, narrow or zero-padded edge block): the 49 columns of a product equal,
// to the bit, the first 49 of a 64-column product over the same rows, so a
// split of the columns over threads changes nothing.
TEST_P(PackedGemmTest, ColumnsGiveTheSameSumsInEveryBlock) {
  const int rows = 13, depth = 600, ld = 64;
  const auto a = testing::UniformVector(static_cast<size_t>(rows) * depth, 300);
  const auto b = testing::UniformVector(static_cast<size_t>(depth) * ld, 301);
  const auto bias = testing::UniformVector(rows, 302);
  math::PackedMatrix packed;
  packed.Pack(false, rows, depth, a.data());
  std::vector<float> all(static_cast<size_t>(rows) * ld), part(all.size());
  math::GemmPacked(packed, ld, b.data(), ld, bias.data(), false, all.data(), ld);
  for (const int n : {49, 35, 17, 1}) {
    math::GemmPacked(packed, n, b.data(), ld, bias.data(), false, part.data(), ld);
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < n; ++j) {
        ASSERT_EQ(part[i * ld + j], all[i * ld + j])
            << n << " columns, at (" << i << ", " << j << ")";
      }
    }
  }
}

// A product with a ReLU slope equals the same product followed by math::Relu,
// to the bit, through every entry point: the tiles rectify only the depth's
// last block (600 steps: three blocks), edge and half blocks and gathered
// columns included, with bias or accumulation.
TEST_P(PackedGemmTest, RectifiedEqualsProductThenRelu) {
  struct Product {
    int rows, n, depth, count;
    bool bias, accumulate;
  };
  unsigned seed = 200;
  for (const float slope : {0.f, 0.1f}) {
    for (const Product& p :
         {Product{13, 53, 600, 0, true, false}, Product{5, 7, 25, 0, false, true},
          Product{100, 49, 600, 1, true, false}, Product{20, 1000, 40, 1, false, false},
          Product{13, 49, 257, 3, true, false}}) {
      SCOPED_TRACE("slope " + std::to_string(slope) + ", rows " + std::to_string(p.rows) + ", n " +
                   std::to_string(p.n) + ", depth " + std::to_string(p.depth) + ", images " +
                   std::to_string(p.count));
      const int images = std::max(1, p.count);
      const auto a = testing::UniformVector(static_cast<size_t>(p.rows) * p.depth, seed++);
      const auto b = testing::UniformVector(static_cast<size_t>(p.depth) * p.n * images, seed++);
      const auto bias = testing::UniformVector(p.rows, seed++);
      const size_t c_size = static_cast<size_t>(p.rows) * p.n;
      const auto c0 = testing::UniformVector(c_size * images, seed++);
      math::PackedMatrix packed;
      packed.Pack(false, p.rows, p.depth, a.data());
      const auto run = [&](float relu_slope) {
        std::vector<float> c = c0;
        const float* row_bias = p.bias ? bias.data() : nullptr;
        if (p.count == 0) {
          math::GemmPacked(packed, p.n, b.data(), p.n, row_bias, p.accumulate, c.data(), p.n,
                           relu_slope);
        } else {
          math::GemmPackedImages(packed, p.count, p.n, b.data(), static_cast<size_t>(p.depth) * p.n,
                                 p.n, row_bias, c.data(), c_size, p.n, relu_slope);
        }
        return c;
      };
      std::vector<float> expected = run(1.f);
      math::Relu(expected.size(), slope, expected.data(), expected.data());
      EXPECT_EQ(run(slope), expected);
    }
  }
  if (GetParam() == math::Isa::kGeneric) return;
  // Through a window: 3 channels of 10x10 under 3x3, 8x8 outputs.
  const math::Window2d w{3, 10, 10, 3, 3};
  const int rows = 7, depth = 27, spatial = 64;
  const auto a = testing::UniformVector(static_cast<size_t>(rows) * depth, seed++);
  const auto image = testing::UniformVector(300, seed++);
  const auto bias = testing::UniformVector(rows, seed++);
  math::PackedMatrix packed;
  packed.Pack(false, rows, depth, a.data());
  std::vector<float> expected(static_cast<size_t>(rows) * spatial), got(expected.size());
  math::GemmPackedWindow(packed, image.data(), w, bias.data(), expected.data(), spatial);
  math::Relu(expected.size(), 0.f, expected.data(), expected.data());
  math::GemmPackedWindow(packed, image.data(), w, bias.data(), got.data(), spatial, 0.f);
  EXPECT_EQ(got, expected);
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
