// Embed: a lookup table. Each input value (an integer in [0, input_dim)) is
// replaced by its row of W (input_dim x num_output), plus b.
// Bottom: indices (any shape). Top: indices.shape + [num_output].
// Params: W, b (bias_term). No gradient to the indices.
// Reads embed_param { num_output, input_dim, bias_term, weight_filler, bias_filler }.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class EmbedLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Embed"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowForceBackward(int /*bottom_index*/) const override { return false; }
  std::vector<std::string> ParamFields() const override { return {"embed_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int Index(float value, int position) const;
  int num_output_ = 0, input_dim_ = 0;
  bool bias_term_ = true;
};

}  // namespace strata
