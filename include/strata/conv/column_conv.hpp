// What the two im2col-based strategies (im2col_gemm_conv, packed_conv) share:
// images run in chunks whose columns (im2col) sit side by side in one matrix,
// the weight gradient as one OpenBLAS product per group over a chunk, and the
// chunk loops of Forward and Backward. A subclass supplies a chunk's forward
// and input-gradient products.
#pragma once

#include "strata/conv/conv_strategy.hpp"

namespace strata {

class ColumnConv : public ConvStrategy {
 public:
  void Reshape(const ConvShape& shape) override;
  void Forward(const float* in, float* out, int begin, int end,
               const ConvEpilogue& epilogue) override;
  void Backward(const float* in, const float* out_diff, int begin, int end, float* in_diff,
                float* weights_diff) override;

 protected:
  // `count` consecutive images (at most chunk()), in and out at their first.
  // out = W * im2col(in), then the epilogue (its ReLU only where
  // RectifiesOutput()).
  virtual void ForwardChunk(const float* in, float* out, int count,
                            const ConvEpilogue& epilogue) = 0;
  // in_diff = col2im(W^T * out_diff)
  virtual void InputGradChunk(const float* out_diff, float* in_diff, int count) = 0;
  // Whether WeightGradWindow serves for this shape (a strategy may read the
  // window in place, with no column matrix, for any count of images).
  virtual bool WeightGradInPlace() const { return false; }
  virtual void WeightGradWindow(const float* /*in*/, const float* /*out_diff*/, int /*count*/,
                                float* /*weights_diff*/) {}

  // weights_diff += out_diff * im2col(in)^T, per group on OpenBLAS.
  void WeightGradChunk(const float* in, const float* out_diff, int count, float* weights_diff);
  // The chunk's column matrix (k * group rows of count * out_spatial), in the
  // calling thread's scratch; Im2col fills it from `count` images.
  float* Columns(int count) const;
  float* Im2col(const float* in, int count) const;
  void Col2im(const float* columns, int count, float* in_diff) const;

  int chunk() const { return chunk_; }

 private:
  // How Backward computes the weight gradient: over `images` images a call
  // (0: not at all), read in place or through a column matrix.
  struct WeightGradPlan {
    int images;
    bool in_place;
  };
  WeightGradPlan PlanWeightGrad(bool wanted, int images) const;
  void WeightGradStep(const WeightGradPlan& plan, const float* in, const float* out_diff, int count,
                      float* weights_diff);
  // Whether the weight gradient runs on Strata's kernels (not OpenBLAS's).
  bool OwnWeightGrad() const;
  // Images per weight-gradient product: chunk(), or more where the product
  // runs on the stripes (math::NtTakesStripes).
  int WeightGradChunkImages() const;

  int chunk_ = 1;  // images per chunk
};

// A chunk of `count` images side by side, image by image over the pool
// (inline inside a hand-out). Columns: the chunk's column matrix (k * group
// rows of count * out_spatial) in the calling thread's scratch; Unfold fills
// it from the images (im2col), Fold sums it back into their gradient
// (col2im; the gradient is overwritten).
float* ChunkColumns(const ConvShape& shape, int count);
float* UnfoldChunk(const ConvShape& shape, const float* in, int count);
void FoldChunk(const ConvShape& shape, const float* columns, int count, float* in_diff);
// The product of a chunk is [channels] x [count * spatial]; Scatter moves it
// into per-image layout (images image_dim apart), Gather the other way.
void ScatterChunk(const float* matrix, int channels, int spatial, int count, size_t image_dim,
                  float* images);
void GatherChunk(const float* images, int channels, int spatial, int count, size_t image_dim,
                 float* matrix);

}  // namespace strata
