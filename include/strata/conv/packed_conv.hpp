// ConvAlgorithm::kPacked: Strata's packed products (packed_gemm.hpp). Each
// group's W (forward) or W^T (input gradient) is packed once per pass; the
// forward reads a plain window (stride 1, no padding: LeNet's) straight from
// the image and otherwise im2col's columns; each image's product goes
// straight to its place. The weight gradient reads the window in place where
// the kernel set can (math::WeightGradWindow), else goes through OpenBLAS.
// Chosen for small weights and output maps.
#pragma once

#include <vector>

#include "strata/conv/column_conv.hpp"
#include "strata/packed_gemm.hpp"

namespace strata {

// Each group's W (out x depth), or W^T for the input gradient, packed.
void PackGroupWeights(const ConvShape& shape, const float* weights, bool for_input_gradient,
                      std::vector<math::PackedMatrix>* packed);

class PackedConv : public ColumnConv {
 public:
  static bool Applies(const ConvProblem& /*problem*/) { return true; }
  ConvAlgorithm algorithm() const override { return ConvAlgorithm::kPacked; }
  // "packed", and "(window read in place)" once the weights are packed for a
  // kernel set that reads this window, or "(unfolded in blocks of output
  // rows)" where a single image's forward runs so.
  std::string Description() const override;
  void SetWeights(const float* weights, bool for_input_gradient) override;
  // In the tiles' registers, as each product's last depth block is stored.
  bool RectifiesOutput() const override { return true; }

 protected:
  void ForwardChunk(const float* in, float* out, int count, const ConvEpilogue& epilogue) override;
  void InputGradChunk(const float* out_diff, float* in_diff, int count) override;
  bool WeightGradInPlace() const override;
  void WeightGradWindow(const float* in, const float* out_diff, int count,
                        float* weights_diff) override;

 private:
  bool ReadsWindow() const;
  // One image in blocks of output rows, each unfolded into the thread's
  // scratch and multiplied while it is in cache, the blocks spread over the
  // pool: a whole unfolded image would pass through memory (MobileNet's
  // conv1 unfolds to 1.4 MB). Taken where there are at least two blocks per
  // thread; fewer would leave threads idle.
  void ForwardRowBlocks(const float* in, float* out, const ConvEpilogue& epilogue);
  bool UnfoldsInRowBlocks() const;
  int RowsPerBlock() const;
  int RowBlocks() const;
  std::vector<math::PackedMatrix> packed_;  // per group
};

}  // namespace strata
