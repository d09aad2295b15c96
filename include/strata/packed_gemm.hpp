// Strata's own matrix product for convolution: the left operand (the layer's
// weights) is packed once per pass and reused for every image, and the right
// operand is read where it lies (an unfolded image, or an output gradient
// inside its blob), so no copy of it is packed, gathered or scattered.
//
// For convolution's shapes (a few dozen rows, depth in the hundreds, an
// image's pixels as columns) this beats OpenBLAS, which packs both operands on
// every call (docs/performance.md). Large products stay with math::Gemm.
//
// The kernels use the widest vectors the CPU has (AVX-512, AVX2 with FMA, or
// portable C++); sums run in the same order for every column split, so
// results do not depend on the thread count.
#pragma once

#include <memory>

#include "strata/math.hpp"

namespace strata {
class Storage;
}

namespace strata::math {

enum class Isa { kGeneric, kAvx2, kAvx512 };

// The kernel set in use: the best the CPU supports, unless the environment
// variable STRATA_GEMM_ISA (generic, avx2, avx512) asks for a narrower one.
Isa GemmIsa();
bool CpuSupports(Isa isa);
const char* IsaName(Isa isa);
// Switches kernel sets (tests, benchmarks). Matrices packed before keep
// their layout and are repacked on their next Pack. Throws ConfigError when
// the CPU lacks `isa`.
void SetGemmIsa(Isa isa);

// op(A), rows x depth, in panels of the kernel's row count.
class PackedMatrix {
 public:
  PackedMatrix();
  ~PackedMatrix();
  PackedMatrix(PackedMatrix&&) noexcept;
  PackedMatrix& operator=(PackedMatrix&&) noexcept;

  // A is row-major: rows x depth, or depth x rows with `transposed`.
  void Pack(bool transposed, int rows, int depth, const float* a);
  // A stored as blocks of `block` columns: columns [b * block, (b + 1) *
  // block) are a rows x block row-major matrix at a + b * block_stride (a
  // recurrent layer's steps, each holding every stream of each row). depth
  // is a multiple of block.
  void PackBlocks(int rows, int depth, int block, size_t block_stride, const float* a);
  int rows() const { return rows_; }
  int depth() const { return depth_; }

 private:
  friend void GemmPacked(const PackedMatrix&, int, const float*, int, const float*, bool, float*,
                         int, float);
  friend bool ReadsWindow(const PackedMatrix&, const Window2d&);
  friend void GemmPackedSpread(const PackedMatrix&, int, const float*, int, const float*, float*,
                               int, float);
  friend void GemmPackedImages(const PackedMatrix&, int, int, const float*, size_t, int,
                               const float*, float*, size_t, int, float);
  friend void GemmPackedWindow(const PackedMatrix&, const float*, const Window2d&, const float*,
                               float*, int, float);
  // Sets the shape and kernel set, and has fill(start, count, panel) write
  // each panel of rows (defined and used in packed_gemm.cpp).
  template <class Fill>
  void PackPanels(int rows, int depth, Fill fill);
  Isa isa_ = Isa::kGeneric;
  int rows_ = 0, depth_ = 0;
  std::unique_ptr<Storage> storage_;
};

// C = A * B + (C if `accumulate`, else row_bias broadcast along each row, or 0).
// A is packed (rows x depth); B is depth x n with leading dimension ldb; C is
// rows x n with leading dimension ldc. row_bias may be null. With
// relu_slope != 1, C then passes a ReLU with that negative slope (as
// math::Relu), in the tiles' registers: no second pass over C. The same for
// the products below.
void GemmPacked(const PackedMatrix& a, int n, const float* b, int ldb, const float* row_bias,
                bool accumulate, float* c, int ldc, float relu_slope = 1.f);

// GemmPacked (no accumulation) over n columns in column blocks spread over
// the pool, or run here when the caller is inside a part of a parallel
// region (a layer's batch of one is a single hand-out).
void GemmPackedSpread(const PackedMatrix& a, int n, const float* b, int ldb, const float* row_bias,
                      float* c, int ldc, float relu_slope = 1.f);

// C_i = A * B_i (+ row_bias along each row) for `count` images i: B_i (depth
// x n, leading dimension ldb) at b + i * b_stride and C_i (rows x n, leading
// dimension ldc) at c + i * c_stride: one product over a batch whose images
// lie apart. The
// columns past each image's last whole block (1 of a 7x7 map's 49) are
// gathered over all the images into one product, instead of a narrow edge
// block per image. One image: GemmPackedSpread.
void GemmPackedImages(const PackedMatrix& a, int count, int n, const float* b, size_t b_stride,
                      int ldb, const float* row_bias, float* c, size_t c_stride, int ldc,
                      float relu_slope = 1.f);

// Whether GemmPackedWindow can read B straight from an image through `w`
// with the kernels `a` was packed for: a vector kernel set, stride 1, no
// padding or dilation, output rows a multiple of 8 wide, and a's depth equal
// to the window's channels * kernel_h * kernel_w.
bool ReadsWindow(const PackedMatrix& a, const Window2d& w);
// C = A * Im2col(image, w) (+ row_bias along each row, if not null), with no
// unfolded copy of the image; C is rows x (out_h * out_w), leading dimension
// ldc. Only where ReadsWindow (InternalError otherwise).
void GemmPackedWindow(const PackedMatrix& a, const float* image, const Window2d& w,
                      const float* row_bias, float* c, int ldc, float relu_slope = 1.f);

// Whether WeightGradWindow can read the images through `w`: a vector kernel
// set in use, and a plain window as for ReadsWindow (stride 1, no padding or
// dilation, output rows a multiple of 8 wide).
bool WeightGradReadsWindow(const Window2d& w);
// dw (rows x C*kh*kw, row-major) += the sum over `count` images b of
// dy_b (rows x out_h*out_w) * Im2col(image_b, w)^T: a convolution's weight
// gradient with no unfolded copy; image b starts at image + b * image_stride,
// its output gradient at dy + b * dy_stride. Each entry is summed in a fixed
// order. Only where WeightGradReadsWindow (InternalError otherwise).
void WeightGradWindow(int rows, const float* dy, size_t dy_stride, const float* image,
                      size_t image_stride, int count, const Window2d& w, float* dw);

}  // namespace strata::math
