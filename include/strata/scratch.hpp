// Scratch memory: per-thread buffers named by their user, one scheme for the
// whole library (oneDNN's memory_tracking keys are the model). Each key is its
// own buffer on each thread, so two users never clobber each other by picking
// the same number; a buffer grows to the largest request and lives as long as
// its thread. The memory counts against Storage's limit.
#pragma once

#include <cstddef>
#include <type_traits>

namespace strata::scratch {

enum class Key : int {
  // Convolution through im2col (conv/): a chunk's columns, and its product or
  // gathered output gradient.
  kConvColumns,
  kConvProducts,
  // A 1x1 convolution's output gradients, gathered for its weight gradient.
  kPointwiseOutputGrads,
  // A depthwise convolution's input channel, zero-padded and split by column
  // phase, and a padded row on its way there (conv/depthwise_conv.cpp).
  kDepthwisePlane,
  kDepthwiseRow,
  // Its backward: the padded plane's gradient, and an output gradient's
  // rows as whole vectors.
  kDepthwisePlaneGrad,
  kDepthwiseOutputGrad,
  // Winograd F(4x4, 5x5), per chunk of tiles: transformed inputs, products,
  // their gradients, and the transformed weight gradient.
  kWinogradInputs,
  kWinogradProducts,
  kWinogradInputGrads,
  kWinogradWeightGrads,
  // Packed products (packed_gemm.cpp): zero-padded edge blocks, and the
  // offsets of a window read in place.
  kGemmEdgeB,
  kGemmEdgeC,
  // GemmPackedImages: the images' last columns gathered, and their product.
  kGemmGatheredB,
  kGemmGatheredC,
  // GemmAccumulateNT on the stripes: B's rows transposed 16 at a time.
  kGemmTransposedB,
  // B's rows copied to vector-aligned starts, where every row panel reads them.
  kGemmAlignedB,
  kWindowOffsets,
  kWeightGradOutputRuns,
  kWeightGradImageRuns,
  // im2col's per-kernel-offset row bounds (math.cpp).
  kIm2colRows,
  // Local response normalization, per image.
  kLrnSquares,
  kLrnPowers,
  kLrnRatios,
  kLrnSums,
  kCount
};

// At least `bytes` bytes of the calling thread's buffer for `key`, 64-byte
// aligned, valid until its next request on this thread. Contents undefined.
void* Bytes(Key key, size_t bytes);

// The same as `count` values of T.
template <typename T>
T* Get(Key key, size_t count) {
  static_assert(std::is_trivial_v<T>, "scratch holds plain values only");
  return static_cast<T*>(Bytes(key, count * sizeof(T)));
}

}  // namespace strata::scratch
