// One convolution algorithm behind one interface: the layer
// (BaseConvolutionLayer) reads its parameters, picks a ConvAlgorithm per
// shape (conv_algorithm.hpp) and hands the products to that algorithm's
// ConvStrategy; each strategy lives in its own file pair in conv/. Directions
// and layouts: conv_shape.hpp.
#pragma once

#include <string>

#include "strata/conv/conv_algorithm.hpp"
#include "strata/conv/conv_shape.hpp"

namespace strata {

// What Forward does to its sums before it stores them: adds a bias per output
// channel (none where null), then rectifies as a ReLU with negative slope
// relu_slope (none where 1).
struct ConvEpilogue {
  const float* bias = nullptr;
  float relu_slope = 1.f;
};

class ConvStrategy {
 public:
  virtual ~ConvStrategy() = default;
  virtual ConvAlgorithm algorithm() const = 0;
  // The algorithm's name, with how it runs where that varies.
  virtual std::string Description() const { return ConvAlgorithmName(algorithm()); }

  // Before every pass (the layer's Reshape); state that depends only on the
  // shape is kept while the shape stays.
  virtual void Reshape(const ConvShape& shape) { shape_ = shape; }
  // The weights for the passes that follow: for Forward, or (for_input_gradient)
  // for Backward's input gradient. Called before the images are spread over
  // threads; `weights` stays valid and unchanged until the next call. The
  // layer calls again only when the weights or the use may have changed.
  virtual void SetWeights(const float* weights, bool for_input_gradient) = 0;
  // Images per hand-out to the thread pool, given the layer's suggestion for
  // `hand_outs` hand-outs over the batch.
  virtual int HandOutImages(int suggested, int /*hand_outs*/) const { return suggested; }
  // Whether Forward and Backward spread their own work over the pool: the
  // layer then calls them once for the whole batch, from its own thread, with
  // the layer's weights_diff itself.
  virtual bool SpreadsOverPool() const { return false; }

  // Images [begin, end): out = W * in, then the epilogue.
  virtual void Forward(const float* in, float* out, int begin, int end,
                       const ConvEpilogue& epilogue) = 0;
  // Whether Forward applies an epilogue's relu_slope (else the layer
  // rectifies afterwards, in a pass of its own, and passes 1).
  virtual bool RectifiesOutput() const { return false; }
  // Images [begin, end): in_diff, if not null, = the input gradient (overwritten);
  // weights_diff, if not null, += the weight gradient. Safe to run on
  // disjoint image ranges at once with separate weights_diff buffers.
  virtual void Backward(const float* in, const float* out_diff, int begin, int end, float* in_diff,
                        float* weights_diff) = 0;

 protected:
  const ConvShape& shape() const { return shape_; }

 private:
  ConvShape shape_;
};

}  // namespace strata
