// The Winograd tile steps behind winograd.hpp, F(4x4, 5x5) and F(6x6, 3x3),
// one set per instruction set and kernel size (src/strata/kernels/<isa>/
// winograd.cpp, each compiled with its own flags), picked by WinogradStepsFor
// from the one CPU check.
#pragma once

#include <cstddef>

#include "strata/packed_gemm.hpp"

namespace strata::kernels {

// What the transforms need of the convolution.
struct WinogradGeometry {
  int channels, height, width, pad_h, pad_w;
  int out_channels, out_h, out_w, tiles_w, tiles_per_image;
  size_t channel_size() const { return static_cast<size_t>(height) * width; }
  size_t out_spatial() const { return static_cast<size_t>(out_h) * out_w; }
};

// The transforms' buffers hold whole groups of this many tiles: the widest
// unit's group (AVX-512's 16 lanes; the 8-lane units run two per group).
constexpr int kWinogradPadLanes = 16;

// Tiles [first, first + tiles) of a call's images, image by image, row-major
// within an image; `padded` rounds `tiles` up to whole groups of
// kWinogradPadLanes (the buffers' row length; the extra lanes hold zeros).
struct WinogradChunk {
  int first, tiles, padded;
};

// A buffer of a chunk holds kPoints matrices of `rows` (channels) x padded,
// each this many floats after the one before: rows * padded is a power of
// two for the usual channel counts (2 to 8 KB apart), which put the 64
// stores or loads of one tile's transform into the same few L1 sets;
// a cache line more spreads them over all of them.
constexpr int kWinogradPointSkew = 16;
inline size_t WinogradPointStride(int rows, const WinogradChunk& chunk) {
  return static_cast<size_t>(rows) * chunk.padded + kWinogradPointSkew;
}
// The floats of a buffer for chunks of up to chunk_tiles tiles.
inline size_t WinogradBufferFloats(int points, int rows, int chunk_tiles) {
  return points * WinogradPointStride(rows, WinogradChunk{0, chunk_tiles, chunk_tiles});
}

// The tile transforms, the weights' transform (output channels [begin,
// end) of out_channels x channels x R x R weights into kPoints x out_channels
// x channels) and the weight gradient's way back. input_grad writes dx
// whole when a call's chunks run in order from its first tile (it writes
// each value before adding to it), so dx needs no zeroing.
struct WinogradSteps {
  void (*input)(const WinogradGeometry&, const WinogradChunk&, const float*, size_t, float*);
  void (*output)(const WinogradGeometry&, const WinogradChunk&, const float*, const float*, float*,
                 size_t);
  void (*output_grad)(const WinogradGeometry&, const WinogradChunk&, const float*, size_t, float*);
  void (*input_grad)(const WinogradGeometry&, const WinogradChunk&, const float*, float*, size_t);
  void (*weights)(const WinogradGeometry&, const float*, int, int, float*);
  void (*weight_grad)(const WinogradGeometry&, const float*, float*);
};

// `kernel` is 3 or 5.
const WinogradSteps& GenericWinogradSteps(int kernel);
const WinogradSteps& Avx2WinogradSteps(int kernel);
const WinogradSteps& Avx512WinogradSteps(int kernel);
// The steps for kernel set `isa`.
const WinogradSteps& WinogradStepsFor(math::Isa isa, int kernel);

}  // namespace strata::kernels
