#include "strata/packed_gemm.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "strata/errors.hpp"
#include "strata/kernels/gemm_kernels.hpp"
#include "strata/scratch.hpp"
#include "strata/storage.hpp"
#include "strata/thread_pool.hpp"

namespace strata::math {

namespace {

using kernels::Init;
using kernels::kDepthBlock;
using kernels::Kernels;
using kernels::KernelsFor;
using kernels::MatrixB;
using kernels::TileEnds;
using kernels::WeightGradArgs;
using kernels::WindowB;

Isa InitialIsa() {
  const Isa best = kernels::BestIsa();
  const char* wanted = std::getenv("STRATA_GEMM_ISA");
  if (wanted == nullptr || *wanted == '\0') return best;
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512}) {
    if (std::string(wanted) == IsaName(isa) && CpuSupports(isa)) return isa;
  }
  return best;  // unknown or unsupported: the best there is
}

std::atomic<Isa>& CurrentIsa() {
  static std::atomic<Isa> isa{InitialIsa()};
  return isa;
}

// Row panels: as few as the kernel's row count allows, their sizes as even as
// possible (50 rows in 12-row kernels: five panels of 10, not 12+12+12+12+2).
int PanelCount(int rows, int max_rows) { return (rows + max_rows - 1) / max_rows; }
int PanelStart(int panel, int panels, int rows) {
  return static_cast<int>(static_cast<long long>(panel) * rows / panels);
}

}  // namespace

bool CpuSupports(Isa isa) { return static_cast<int>(isa) <= static_cast<int>(kernels::BestIsa()); }

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx2:
      return "avx2";
    default:
      return "generic";
  }
}

Isa GemmIsa() { return CurrentIsa().load(); }

void SetGemmIsa(Isa isa) {
  if (!CpuSupports(isa)) {
    throw ConfigError(std::string("this CPU has no ") + IsaName(isa) + " instructions");
  }
  CurrentIsa().store(isa);
}

PackedMatrix::PackedMatrix() = default;
PackedMatrix::~PackedMatrix() = default;
PackedMatrix::PackedMatrix(PackedMatrix&&) noexcept = default;
PackedMatrix& PackedMatrix::operator=(PackedMatrix&&) noexcept = default;

void PackedMatrix::Pack(bool transposed, int rows, int depth, const float* a) {
  if (!transposed) return PackBlocks(rows, depth, depth, 0, a);
  PackPanels(rows, depth, [&](int start, int r, float* panel) {
    for (int k = 0; k < depth; ++k) {
      std::copy_n(a + static_cast<size_t>(k) * rows + start, r, panel + static_cast<size_t>(k) * r);
    }
  });
}

void PackedMatrix::PackBlocks(int rows, int depth, int block, size_t block_stride, const float* a) {
  if (block <= 0 ? depth != 0 : depth % block != 0) {
    throw InternalError("PackedMatrix::PackBlocks: depth " + std::to_string(depth) +
                        " is not a multiple of the block " + std::to_string(block));
  }
  PackPanels(rows, depth, [&](int start, int r, float* out) {
    for (int k0 = 0; k0 < depth; k0 += block) {
      const float* src =
          a + static_cast<size_t>(k0 / block) * block_stride + static_cast<size_t>(start) * block;
      for (int k = 0; k < block; ++k) {
        for (int i = 0; i < r; ++i) *out++ = src[static_cast<size_t>(i) * block + k];
      }
    }
  });
}

template <class Fill>
void PackedMatrix::PackPanels(int rows, int depth, Fill fill) {
  if (rows < 0 || depth < 0) {
    throw InternalError("PackedMatrix::Pack: negative shape " + std::to_string(rows) + " x " +
                        std::to_string(depth));
  }
  isa_ = GemmIsa();
  rows_ = rows;
  depth_ = depth;
  const size_t count = static_cast<size_t>(rows) * depth;
  if (!storage_) storage_ = std::make_unique<Storage>();
  if (storage_->capacity() < count) storage_->Reserve(count);
  float* packed = storage_->mutable_data();
  // Panel p holds rows [start, end) as depth steps of (end - start) values.
  const int panels = PanelCount(rows, KernelsFor(isa_).max_rows);
  for (int p = 0; p < panels; ++p) {
    const int start = PanelStart(p, panels, rows), end = PanelStart(p + 1, panels, rows);
    fill(start, end - start, packed + static_cast<size_t>(start) * depth);
  }
}

namespace {

MatrixB Advance(const MatrixB& b, int k) { return {b.b + static_cast<size_t>(k) * b.ldb, b.ldb}; }
WindowB Advance(const WindowB& b, int k) {
  WindowB moved = b;
  moved.offsets += k;
  return moved;
}

// A run of row panels, [begin, end) of `count`: each panel holds its rows'
// whole depth, so a run is a product of its own (the rows a thread takes
// where the columns are too few to share).
struct Panels {
  int begin, end, count;
  int FirstRow(int rows) const { return PanelStart(begin, count, rows); }
  int EndRow(int rows) const { return PanelStart(end, count, rows); }
};

Panels AllPanels(const PackedMatrix& a, const Kernels& kernels) {
  const int count = PanelCount(a.rows(), kernels.max_rows);
  return {0, count, count};
}

// fn(r, kc, k0, start, a_part, ends) for each depth block (kc steps from k0)
// of each panel (r rows from `start`, its part of A at a_part), with the
// tiles' start and end (the panel's bias; the ReLU at the last block).
template <class Fn>
void ForEachPanelStep(const Panels& panels, const PackedMatrix& a, const float* packed,
                      const float* row_bias, bool accumulate, float relu_slope, Fn fn) {
  const int rows = a.rows(), depth = a.depth();
  for (int k0 = 0; k0 < depth; k0 += kDepthBlock) {
    const int kc = std::min(kDepthBlock, depth - k0);
    const Init init = k0 > 0 || accumulate ? Init::kLoad : row_bias ? Init::kBias : Init::kZero;
    const float slope = k0 + kc == depth ? relu_slope : 1.f;
    for (int p = panels.begin; p < panels.end; ++p) {
      const int start = PanelStart(p, panels.count, rows);
      const int r = PanelStart(p + 1, panels.count, rows) - start;
      fn(r, kc, k0, start,
         packed + static_cast<size_t>(start) * depth + static_cast<size_t>(k0) * r,
         TileEnds{init, row_bias ? row_bias + start : nullptr, slope});
    }
  }
}

// One block of `kernels.width` columns: the panels over the whole depth,
// block by block.
template <class B, class Tile>
void ColumnBlock(Tile tile, const Panels& panels, const PackedMatrix& a, const float* packed,
                 const B& b, const float* row_bias, bool accumulate, float relu_slope, float* c,
                 int ldc) {
  ForEachPanelStep(
      panels, a, packed, row_bias, accumulate, relu_slope,
      [&](int r, int kc, int k0, int start, const float* a_part, const TileEnds& ends) {
        tile(r, kc, a_part, Advance(b, k0), c + static_cast<size_t>(start) * ldc, ldc, ends);
      });
}

// A last block narrower than the kernels runs on zero-padded copies of its B
// (filled by fill_b(k, row): `cols` values of B's row k) and C, half as wide
// where it fits the half tile (a rest of 1 column costs 16 columns' work, not 32).
// Prepared for the panels' rows, then Finish copies C's columns back.
class EdgeBuffers {
 public:
  template <class FillB>
  EdgeBuffers(const Kernels& kernels, const Panels& panels, const PackedMatrix& a, int cols,
              FillB fill_b, bool accumulate, float* c, int ldc)
      : half_(kernels.half_tile != nullptr && 2 * cols <= kernels.width),
        width_(half_ ? kernels.width / 2 : kernels.width),
        cols_(cols),
        row0_(panels.FirstRow(a.rows())),
        row1_(panels.EndRow(a.rows())),
        c_(c),
        ldc_(ldc) {
    const size_t b_count = static_cast<size_t>(a.depth()) * width_;
    b_ = scratch::Get<float>(scratch::Key::kGemmEdgeB, b_count);
    // C's rows keep their places: the panels' rows are at row0 on.
    c_edge_ = scratch::Get<float>(scratch::Key::kGemmEdgeC, static_cast<size_t>(row1_) * width_);
    std::fill_n(b_, b_count, 0.f);
    std::fill_n(c_edge_ + static_cast<size_t>(row0_) * width_,
                static_cast<size_t>(row1_ - row0_) * width_, 0.f);
    for (int k = 0; k < a.depth(); ++k) fill_b(k, b_ + static_cast<size_t>(k) * width_);
    for (int i = row0_; i < row1_ && accumulate; ++i) {
      std::copy_n(c + static_cast<size_t>(i) * ldc, cols,
                  c_edge_ + static_cast<size_t>(i) * width_);
    }
  }
  kernels::TileFn Tile(const Kernels& kernels) const {
    return half_ ? kernels.half_tile : kernels.tile;
  }
  MatrixB B() const { return MatrixB{b_, width_}; }
  float* C() const { return c_edge_; }
  int ldc() const { return width_; }
  void Finish() const {
    for (int i = row0_; i < row1_; ++i) {
      std::copy_n(c_edge_ + static_cast<size_t>(i) * width_, cols_,
                  c_ + static_cast<size_t>(i) * ldc_);
    }
  }

 private:
  bool half_;
  int width_, cols_, row0_, row1_;
  float *b_ = nullptr, *c_edge_ = nullptr, *c_;
  int ldc_;
};

template <class FillB>
void EdgeBlock(const Kernels& kernels, const Panels& panels, const PackedMatrix& a,
               const float* packed, int cols, FillB fill_b, const float* row_bias, bool accumulate,
               float relu_slope, float* c, int ldc) {
  const EdgeBuffers edge(kernels, panels, a, cols, fill_b, accumulate, c, ldc);
  ColumnBlock(edge.Tile(kernels), panels, a, packed, edge.B(), row_bias, accumulate, relu_slope,
              edge.C(), edge.ldc());
  edge.Finish();
}

// One column block of a product: its kernel, its part of B and of C.
struct Block {
  kernels::TileFn tile;
  MatrixB b;
  float* c;
  int ldc;
};

// How a product's columns run in place: whole blocks up to `whole`, then a
// half block (16 of AVX-512's 32 columns: 4 Winograd tiles per 8x8 map times
// 4 images run at full speed) where `half`, then `narrow` columns in narrow
// tiles; from `covered` on, an edge block takes the rest. A rest of more than
// half a block that the narrow tiles cannot finish goes to the edge block
// whole, as a half block and an edge each cost about a whole block's time;
// with them a 7x7 map's 49 columns run as 32 + 16 + 1.
struct ColumnPlan {
  int whole;
  bool half;
  int narrow, covered;
};

ColumnPlan PlanColumns(const Kernels& kernels, int n) {
  const int whole = n / kernels.width * kernels.width, half = kernels.width / 2;
  const bool narrow_tiles = kernels.narrow_tile != nullptr;
  int rest = n - whole;
  ColumnPlan plan{whole, false, 0, whole};
  if (kernels.half_tile != nullptr && rest >= half &&
      (rest == half || (narrow_tiles && rest - half <= kernels::kNarrowColumns))) {
    plan.half = true;
    rest -= half;
  }
  if (narrow_tiles && rest <= kernels::kNarrowColumns) {
    plan.narrow = rest;
    rest = 0;
  }
  plan.covered = n - rest;
  return plan;
}

// fn(block) for each column block the plan runs in place but the narrow
// one, then for the edge block, if any.
template <class Fn>
void ForEachColumnBlock(const Kernels& kernels, const ColumnPlan& plan, const float* b, int ldb,
                        float* c, int ldc, const EdgeBuffers* edge, Fn fn) {
  int j = 0;
  for (; j < plan.whole; j += kernels.width) {
    fn(Block{kernels.tile, MatrixB{b + j, ldb}, c + j, ldc});
  }
  if (plan.half) {
    fn(Block{kernels.half_tile, MatrixB{b + j, ldb}, c + j, ldc});
    j += kernels.width / 2;
  }
  if (edge != nullptr) fn(Block{edge->Tile(kernels), edge->B(), edge->C(), edge->ldc()});
}

// A plan's narrow columns (B and C from their first), two row panels of a
// depth block to a narrow tile: Add holds a panel's step until the next one
// of the same depth block comes, or Flush.
class NarrowPairs {
 public:
  NarrowPairs(const Kernels& kernels, int cols, MatrixB b, float* c, int ldc)
      : kernels_(kernels), cols_(cols), b_(b), c_(c), ldc_(ldc) {}
  void Add(int r, int kc, int k0, int start, const float* a_part, const TileEnds& ends) {
    if (count_ > 0 && k0_ != k0) Flush();
    held_[count_++] = {r, a_part, c_ + static_cast<size_t>(start) * ldc_, ends};
    k0_ = k0;
    kc_ = kc;
    if (count_ == kernels::kNarrowPanels) Flush();
  }
  void Flush() {
    if (count_ > 0) kernels_.narrow_tile(count_, held_, cols_, kc_, Advance(b_, k0_), ldc_);
    count_ = 0;
  }

 private:
  const Kernels& kernels_;
  int cols_;
  MatrixB b_;
  float* c_;
  int ldc_;
  kernels::NarrowPanel held_[kernels::kNarrowPanels];
  int count_ = 0, k0_ = 0, kc_ = 0;
};

// B's first `cols` columns, copied to rows that start on a cache line where
// they start off one.
MatrixB LineAlignedB(const float* b, int ldb, int depth, int cols) {
  constexpr int kLineFloats = 16;
  if (ldb % kLineFloats == 0) return MatrixB{b, ldb};
  const int aligned = (cols + kLineFloats - 1) / kLineFloats * kLineFloats;
  float* copy =
      scratch::Get<float>(scratch::Key::kGemmAlignedB, static_cast<size_t>(depth) * aligned);
  for (int k = 0; k < depth; ++k) {
    std::copy_n(b + static_cast<size_t>(k) * ldb, cols, copy + static_cast<size_t>(k) * aligned);
  }
  return MatrixB{copy, aligned};
}

// GemmPacked over a run of panels: C's rows of those panels only. Where A
// outweighs B (more rows than columns) each depth block of each panel runs
// over every column block, so that A is read once (ResNet-18's res5: 9.4 MB
// of weights beside a 7x7 map's 49 columns, three blocks); else one column
// block at a time (ColumnBlock: each stays in L1 while A passes over it).
void GemmPanels(const Kernels& kernels, const float* packed, const PackedMatrix& a,
                const Panels& panels, int n, const float* b, int ldb, const float* row_bias,
                bool accumulate, float relu_slope, float* c, int ldc) {
  const ColumnPlan plan = PlanColumns(kernels, n);
  const int covered = plan.covered;
  std::optional<EdgeBuffers> edge;
  if (covered < n) {
    const auto fill_b = [&](int k, float* row) {
      std::copy_n(b + static_cast<size_t>(k) * ldb + covered, n - covered, row);
    };
    edge.emplace(kernels, panels, a, n - covered, fill_b, accumulate, c + covered, ldc);
  }
  const EdgeBuffers* edge_block = edge ? &*edge : nullptr;
  const bool a_outweighs_b = n > kernels.width && n < a.rows();
  // There every panel reads all of B's rows.
  const MatrixB in_place =
      a_outweighs_b ? LineAlignedB(b, ldb, a.depth(), covered) : MatrixB{b, ldb};
  NarrowPairs narrow(kernels, plan.narrow,
                     MatrixB{in_place.b + covered - plan.narrow, in_place.ldb},
                     c + covered - plan.narrow, ldc);
  const auto narrow_step = [&](int r, int kc, int k0, int start, const float* a_part,
                               const TileEnds& ends) {
    if (plan.narrow > 0) narrow.Add(r, kc, k0, start, a_part, ends);
  };
  if (a_outweighs_b) {
    ForEachPanelStep(
        panels, a, packed, row_bias, accumulate, relu_slope,
        [&](int r, int kc, int k0, int start, const float* a_part, const TileEnds& ends) {
          ForEachColumnBlock(
              kernels, plan, in_place.b, in_place.ldb, c, ldc, edge_block, [&](const Block& block) {
                block.tile(r, kc, a_part, Advance(block.b, k0),
                           block.c + static_cast<size_t>(start) * block.ldc, block.ldc, ends);
              });
          narrow_step(r, kc, k0, start, a_part, ends);
        });
  } else {
    ForEachColumnBlock(kernels, plan, b, ldb, c, ldc, edge_block, [&](const Block& block) {
      ColumnBlock(block.tile, panels, a, packed, block.b, row_bias, accumulate, relu_slope, block.c,
                  block.ldc);
    });
    if (plan.narrow > 0) {
      ForEachPanelStep(panels, a, packed, row_bias, accumulate, relu_slope, narrow_step);
    }
  }
  narrow.Flush();
  if (edge) edge->Finish();
}

}  // namespace

void GemmPacked(const PackedMatrix& a, int n, const float* b, int ldb, const float* row_bias,
                bool accumulate, float* c, int ldc, float relu_slope) {
  const int rows = a.rows_, depth = a.depth_;
  if (rows == 0 || n <= 0) return;
  if (depth == 0) {
    for (int i = 0; i < rows; ++i) {
      float* ci = c + static_cast<size_t>(i) * ldc;
      if (!accumulate) std::fill_n(ci, n, row_bias ? row_bias[i] : 0.f);
      if (relu_slope != 1.f) Relu(n, relu_slope, ci, ci);
    }
    return;
  }
  const Kernels& kernels = KernelsFor(a.isa_);
  GemmPanels(kernels, a.storage_->data(), a, AllPanels(a, kernels), n, b, ldb, row_bias, accumulate,
             relu_slope, c, ldc);
}

void GemmPackedSpread(const PackedMatrix& a, int n, const float* b, int ldb, const float* row_bias,
                      float* c, int ldc, float relu_slope) {
  if (a.rows_ == 0 || n <= 0) return;
  const Kernels& kernels = KernelsFor(a.isa_);
  const Panels all = AllPanels(a, kernels);
  // Fewer columns than rows (a 7x7 map's 49 beside 1024 channels, a 14x14
  // map's 196 beside 512): each thread takes row panels and streams only its
  // share of A, where a share of the columns would stream all of A on every
  // thread.
  if (a.depth_ > 0 && n < a.rows_ && all.count >= 2 * NumThreads()) {
    const float* packed = a.storage_->data();
    ParallelFor(all.count, 1, [&](int, int first, int last) {
      GemmPanels(kernels, packed, a, Panels{first, last, all.count}, n, b, ldb, row_bias, false,
                 relu_slope, c, ldc);
    });
    return;
  }
  constexpr int kColumnBlock = 16;  // the narrowest kernels' column block
  const int blocks = (n + kColumnBlock - 1) / kColumnBlock;
  ParallelFor(blocks, 1, [&](int, int first, int last) {
    const int c0 = first * kColumnBlock, c1 = std::min(n, last * kColumnBlock);
    GemmPacked(a, c1 - c0, b + c0, ldb, row_bias, false, c + c0, ldc, relu_slope);
  });
}

void GemmPackedImages(const PackedMatrix& a, int count, int n, const float* b, size_t b_stride,
                      int ldb, const float* row_bias, float* c, size_t c_stride, int ldc,
                      float relu_slope) {
  if (count == 1) return GemmPackedSpread(a, n, b, ldb, row_bias, c, ldc, relu_slope);
  const Kernels& kernels = KernelsFor(a.isa_);
  // Whole blocks run at full speed (the half tile's too).
  const int block = kernels.half_tile != nullptr ? kernels.width / 2 : kernels.width;
  const int whole = n / block * block, rest = n - whole;
  for (int i = 0; i < count && whole > 0; ++i) {
    GemmPacked(a, whole, b + i * b_stride, ldb, row_bias, false, c + i * c_stride, ldc, relu_slope);
  }
  if (rest == 0 || count <= 0) return;
  const int columns = count * rest, rows = a.rows_, depth = a.depth_;
  float* gathered =
      scratch::Get<float>(scratch::Key::kGemmGatheredB, static_cast<size_t>(depth) * columns);
  float* product =
      scratch::Get<float>(scratch::Key::kGemmGatheredC, static_cast<size_t>(rows) * columns);
  for (int k = 0; k < depth; ++k) {
    for (int i = 0; i < count; ++i) {
      std::copy_n(b + i * b_stride + static_cast<size_t>(k) * ldb + whole, rest,
                  gathered + static_cast<size_t>(k) * columns + i * rest);
    }
  }
  GemmPacked(a, columns, gathered, columns, row_bias, false, product, columns, relu_slope);
  for (int r = 0; r < rows; ++r) {
    for (int i = 0; i < count; ++i) {
      std::copy_n(product + static_cast<size_t>(r) * columns + i * rest, rest,
                  c + i * c_stride + static_cast<size_t>(r) * ldc + whole);
    }
  }
}

namespace {

// Stride 1, no padding or dilation, output rows a multiple of 8 wide: every
// run of 8 output pixels reads 8 consecutive floats of each input row.
bool PlainWindow(const Window2d& w) {
  return w.stride_h == 1 && w.stride_w == 1 && w.pad_h == 0 && w.pad_w == 0 && w.dilation_h == 1 &&
         w.dilation_w == 1 && w.output_height() > 0 && w.output_width() > 0 &&
         w.output_width() % 8 == 0;
}

// Per patch entry (c, ky, kx), where it reads the image: (c * H + ky) * W + kx.
// The image offset of each depth step (c, ky, kx) of a plain window, in the
// calling thread's scratch; `*count` receives their number.
const int* WindowOffsets(const Window2d& w, int* count) {
  *count = w.channels * w.kernel_h * w.kernel_w;
  int* offsets = scratch::Get<int>(scratch::Key::kWindowOffsets, *count);
  for (int ch = 0, k = 0; ch < w.channels; ++ch) {
    for (int ky = 0; ky < w.kernel_h; ++ky) {
      for (int kx = 0; kx < w.kernel_w; ++kx) {
        offsets[k++] = (ch * w.height + ky) * w.width + kx;
      }
    }
  }
  return offsets;
}

}  // namespace

bool ReadsWindow(const PackedMatrix& a, const Window2d& w) {
  return KernelsFor(a.isa_).window_tile != nullptr && PlainWindow(w) &&
         a.depth_ == w.channels * w.kernel_h * w.kernel_w;
}

bool WeightGradReadsWindow(const Window2d& w) {
  return GemmIsa() != Isa::kGeneric && PlainWindow(w);
}

void WeightGradWindow(int rows, const float* dy, size_t dy_stride, const float* image,
                      size_t image_stride, int count, const Window2d& w, float* dw) {
  if (!WeightGradReadsWindow(w)) {
    throw InternalError("WeightGradWindow: the window cannot be read directly");
  }
  const int out_w = w.output_width(), spatial = w.output_height() * out_w;
  int patch = 0;
  const int* offsets = WindowOffsets(w, &patch);
  const int runs = spatial / 8;
  // Images in blocks whose inputs and output gradients stay within about
  // 256 KB, so each column of tiles reads them from L2: long enough runs of
  // the depth that the final folds cost little, short enough that a large
  // batch does not stream from memory.
  const size_t per_image =
      static_cast<size_t>(w.channels) * w.height * w.width + static_cast<size_t>(rows) * spatial;
  const int block = static_cast<int>(std::max<size_t>(1, (64 << 10) / per_image));
  for (int b0 = 0; b0 < count; b0 += block) {
    const int images = std::min(block, count - b0);
    const size_t run_count = static_cast<size_t>(images) * runs;
    long* dy_runs = scratch::Get<long>(scratch::Key::kWeightGradOutputRuns, run_count);
    long* image_runs = scratch::Get<long>(scratch::Key::kWeightGradImageRuns, run_count);
    for (int b = 0, t = 0; b < images; ++b) {
      for (int s = 0; s < runs; ++s, ++t) {
        dy_runs[t] = static_cast<long>(b) * static_cast<long>(dy_stride) + 8 * s;
        image_runs[t] = static_cast<long>(b) * static_cast<long>(image_stride) +
                        8 * s / out_w * w.width + 8 * s % out_w;
      }
    }
    const WeightGradArgs args{dy + b0 * dy_stride,
                              image + b0 * image_stride,
                              static_cast<int>(run_count),
                              spatial,
                              dy_runs,
                              image_runs,
                              offsets,
                              dw,
                              patch};
    // The AVX2 kernel serves AVX-512 machines too (their wider registers
    // would only lengthen the final folds).
    kernels::Avx2WeightGrad(args, rows, patch);
  }
}

void GemmPackedWindow(const PackedMatrix& a, const float* image, const Window2d& w,
                      const float* row_bias, float* c, int ldc, float relu_slope) {
  if (!ReadsWindow(a, w)) {
    throw InternalError("GemmPackedWindow: the window cannot be read directly");
  }
  if (a.rows_ == 0) return;
  const Kernels& kernels = KernelsFor(a.isa_);
  const float* packed = a.storage_->data();
  const int out_w = w.output_width(), spatial = w.output_height() * out_w;
  // Depth step (c, ky, kx) reads the image from (c, ky, kx) on; column p
  // (out_y, out_x) adds out_y * W + out_x.
  int depth_steps = 0;
  const int* offsets = WindowOffsets(w, &depth_steps);
  const auto pixel = [&](int p) { return p / out_w * w.width + p % out_w; };
  for (int j = 0; j < spatial; j += kernels.width) {
    const int cols = std::min(kernels.width, spatial - j);
    if (cols == kernels.width) {
      // Runs of 8 columns stay within one output row (its width is a multiple of 8).
      WindowB b{image, offsets, {0, 0, 0, 0}};
      for (int s = 0; s < kernels.width / 8; ++s) b.runs[s] = pixel(j + 8 * s);
      ColumnBlock(kernels.window_tile, AllPanels(a, kernels), a, packed, b, row_bias, false,
                  relu_slope, c + j, ldc);
    } else {
      const auto fill_b = [&](int k, float* row) {
        for (int q = 0; q < cols; ++q) row[q] = image[offsets[k] + pixel(j + q)];
      };
      EdgeBlock(kernels, AllPanels(a, kernels), a, packed, cols, fill_b, row_bias, false,
                relu_slope, c + j, ldc);
    }
  }
}

}  // namespace strata::math
