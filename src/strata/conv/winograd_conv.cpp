#include "strata/conv/winograd_conv.hpp"

#include <algorithm>

#include "strata/thread_pool.hpp"

namespace strata {

bool WinogradConv::Applies(const ConvProblem& p) {
  return !p.deconvolution && !p.caffe_engine && math::Winograd::Applies(p.shape.group_window());
}

void WinogradConv::Reshape(const ConvShape& shape) {
  ConvStrategy::Reshape(shape);
  groups_.resize(shape.group);
  for (auto& w : groups_) w.Reshape(shape.group_window(), shape.group_out_channels());
}

void WinogradConv::SetWeights(const float* weights, bool for_input_gradient) {
  for (int g = 0; g < shape().group; ++g) {
    groups_[g].SetWeights(weights + g * shape().group_weights(), for_input_gradient);
  }
}

int WinogradConv::HandOutImages(int suggested, int hand_outs) const {
  // A hand-out streams all the transformed weights through the cache once
  // per chunk of tiles: with one tile per image (6x6 maps) 4 images made each
  // product 4 columns wide, padded to 16, for 1 MB of 64-channel weights. So
  // at least kMinTiles tiles, as long as every thread still gets a hand-out.
  constexpr int kMinTiles = 64;
  const int tiles = groups_[0].TilesPerImage();
  const int per_thread = (shape().images + NumThreads() - 1) / NumThreads();
  suggested = std::max(suggested, std::min((kMinTiles + tiles - 1) / tiles, per_thread));
  // Batch 100 with 4 tiles per image: 8 images, not 7 and a last 2, whose 28
  // and 8 tiles run padded. With many tiles per image (49 in AlexNet's conv2,
  // 16 images a step) the padding is a small share, and a batch of 10 in one
  // hand-out would keep a thread idle: hence at least half the hand-outs.
  const int step = groups_[0].ImagesPerChunkStep();
  const int whole = (suggested + step - 1) / step * step;
  return whole * (hand_outs / 2) <= shape().images ? whole : suggested;
}

void WinogradConv::Forward(const float* in, float* out, int begin, int end,
                           const ConvEpilogue& epilogue) {
  const float* bias = epilogue.bias;
  const ConvShape& s = shape();
  const int m = s.group_out_channels();
  const size_t in_dim = s.in_dim(), out_dim = s.out_dim();
  for (int g = 0; g < s.group; ++g) {
    groups_[g].Forward(in + begin * in_dim + g * s.group_in_dim(), in_dim, end - begin,
                       bias ? bias + static_cast<size_t>(g) * m : nullptr,
                       out + begin * out_dim + static_cast<size_t>(g) * m * s.out_spatial(),
                       out_dim);
  }
}

void WinogradConv::Backward(const float* in, const float* out_diff, int begin, int end,
                            float* in_diff, float* weights_diff) {
  const ConvShape& s = shape();
  const int m = s.group_out_channels();
  const size_t in_dim = s.in_dim(), out_dim = s.out_dim();
  const size_t x_at = begin * in_dim, y_at = begin * out_dim;
  for (int g = 0; g < s.group; ++g) {
    const size_t group_in = g * s.group_in_dim();
    groups_[g].Backward(in + x_at + group_in, in_dim,
                        out_diff + y_at + static_cast<size_t>(g) * m * s.out_spatial(), out_dim,
                        end - begin, in_diff ? in_diff + x_at + group_in : nullptr,
                        weights_diff ? weights_diff + g * s.group_weights() : nullptr);
  }
}

}  // namespace strata
