#include "strata/conv/im2col_gemm_conv.hpp"

#include "strata/scratch.hpp"

namespace strata {

void Im2colGemmConv::ForwardChunk(const float* in, float* out, int count,
                                  const ConvEpilogue& epilogue) {
  const float* bias = epilogue.bias;
  const ConvShape& s = shape();
  const int m = s.group_out_channels(), k = s.group_depth();
  const int spatial = s.out_spatial(), n = spatial * count;
  const float* columns = Im2col(in, count);
  // One image: the product is already in the output's layout.
  float* product = count == 1 ? out
                              : scratch::Get<float>(scratch::Key::kConvProducts,
                                                    static_cast<size_t>(m) * s.group * n);
  for (int g = 0; g < s.group; ++g) {
    math::Gemm(false, false, m, n, k, 1.f, weights_ + static_cast<size_t>(g) * m * k,
               columns + static_cast<size_t>(g) * k * n, 0.f,
               product + static_cast<size_t>(g) * m * n);
  }
  if (count > 1) ScatterChunk(product, s.out_channels, spatial, count, s.out_dim(), out);
  for (int b = 0; b < count && bias; ++b) {
    math::AddChannelBias(s.out_channels, spatial, bias, out + b * s.out_dim());
  }
}

void Im2colGemmConv::InputGradChunk(const float* out_diff, float* in_diff, int count) {
  const ConvShape& s = shape();
  const int m = s.group_out_channels(), k = s.group_depth();
  const int spatial = s.out_spatial(), n = spatial * count;
  float* columns = Columns(count);
  const float* product = out_diff;
  if (count > 1) {
    float* gathered =
        scratch::Get<float>(scratch::Key::kConvProducts, static_cast<size_t>(m) * s.group * n);
    GatherChunk(out_diff, s.out_channels, spatial, count, s.out_dim(), gathered);
    product = gathered;
  }
  for (int g = 0; g < s.group; ++g) {
    math::Gemm(true, false, k, n, m, 1.f, weights_ + static_cast<size_t>(g) * m * k,
               product + static_cast<size_t>(g) * m * n, 0.f,
               columns + static_cast<size_t>(g) * k * n);
  }
  Col2im(columns, count, in_diff);
}

}  // namespace strata
