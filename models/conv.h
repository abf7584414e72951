// Convolution for training on CPU: the forward pass and the input gradient are oneDNN's, the
// weight gradient of small-output layers is one im2col + matrix product.
//
// Why: oneDNN's weight-gradient kernels are slow when the output is tiny and the channels
// many (the encoder's last 5x5 convolution, 8x8 -> 4x4 x 1024, and its 4x4 upscale
// convolution): measured on the 2-core AVX512-BF16 machine, bf16, batch 32: 94 and 114 ms
// (142-169 GFLOP/s) against 22 and 38 ms (505-596 GFLOP/s) as im2col + mm. At 8x8 outputs
// oneDNN is as fast (decoder's first upscale: 18.5 vs 18.1 ms) or faster (encoder's 16 -> 8
// layer: 24 vs 41 ms), so only outputs of at most kMatmulWeightGradSide per side take this
// path (microbenchmark, bf16, batch 32; the whole `original` step measured the same with 4
// and 8 within this machine's noise, 0.73-0.92 s).
// Includes <torch/torch.h>.
#pragma once

#include <torch/torch.h>

namespace faceswap {

// Largest output side (pixels) whose weight gradient is computed as im2col + mm.
constexpr int64_t kMatmulWeightGradSide = 4;

// A square convolution with padding kernel / 2 (the only kind the models use).
torch::nn::Conv2d MakeConv(int64_t in, int64_t out, int64_t kernel, int64_t stride);

// conv->forward(x) for a convolution made by MakeConv, with the weight gradient above when x
// is on the CPU, gradients are being recorded and the output side is at most
// kMatmulWeightGradSide. Same result and gradients (up to rounding) as conv->forward(x).
torch::Tensor ConvForward(torch::nn::Conv2d& conv, const torch::Tensor& x);

// While one exists, ConvForward on this thread is plain conv->forward (benchmark baselines).
class PlainConvolutionGuard {
 public:
  PlainConvolutionGuard();
  ~PlainConvolutionGuard();
  PlainConvolutionGuard(const PlainConvolutionGuard&) = delete;
  PlainConvolutionGuard& operator=(const PlainConvolutionGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace faceswap
