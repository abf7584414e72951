#include "models/conv.h"

#include <gtest/gtest.h>

namespace faceswap {
namespace {

struct Grads {
  torch::Tensor out, x, w, b;
  std::string node;  // Name of the autograd node that made `out`.
};

Grads RunConv(torch::nn::Conv2d& conv, const torch::Tensor& input, bool plain) {
  auto x = input.clone().requires_grad_(true);
  conv->zero_grad();
  torch::Tensor out;
  if (plain) {
    PlainConvolutionGuard guard;
    out = ConvForward(conv, x);
  } else {
    out = ConvForward(conv, x);
  }
  // A loss that weighs every output position differently.
  (out * torch::linspace(-1, 1, out.numel()).view_as(out)).sum().backward();
  return {out.detach(), x.grad().clone(), conv->weight.grad().clone(), conv->bias.grad().clone(),
          out.grad_fn()->name()};
}

double RelativeError(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).abs().max() / b.abs().max()).item<double>();
}

// The encoder's small-output layers (5x5 stride 2 to 4x4, 3x3 at 4x4) get the matmul weight
// gradient; it must equal LibTorch's own convolution gradients.
TEST(ConvForward, MatmulWeightGradientEqualsLibTorchs) {
  torch::manual_seed(3);
  struct Case { int in, out, kernel, stride, side; };
  for (const Case c : {Case{16, 24, 5, 2, 8}, Case{32, 16, 3, 1, 4}, Case{8, 8, 3, 2, 8}}) {
    auto conv = MakeConv(c.in, c.out, c.kernel, c.stride);
    auto x = torch::randn({3, c.in, c.side, c.side});
    const Grads mine = RunConv(conv, x, false), plain = RunConv(conv, x, true);
    EXPECT_EQ(mine.node.find("ConvolutionBackward"), std::string::npos) << mine.node;
    EXPECT_NE(plain.node.find("ConvolutionBackward"), std::string::npos) << plain.node;
    EXPECT_LT(RelativeError(mine.out, plain.out), 1e-6);
    EXPECT_LT(RelativeError(mine.x, plain.x), 1e-5);
    EXPECT_LT(RelativeError(mine.w, plain.w), 1e-5);
    EXPECT_LT(RelativeError(mine.b, plain.b), 1e-5);
  }
}

TEST(ConvForward, LargeOutputsAndFrozenWeightsUseLibTorchsConvolution) {
  auto conv = MakeConv(4, 8, 3, 1);
  auto x = torch::randn({1, 4, kMatmulWeightGradSide * 2, kMatmulWeightGradSide * 2});
  EXPECT_NE(RunConv(conv, x, false).node.find("ConvolutionBackward"), std::string::npos);
  // A small output whose weights are frozen (only the input needs a gradient).
  for (auto& p : conv->parameters()) p.requires_grad_(false);
  auto small = torch::randn({1, 4, 4, 4}, torch::requires_grad());
  const auto out = ConvForward(conv, small);
  EXPECT_NE(std::string(out.grad_fn()->name()).find("ConvolutionBackward"), std::string::npos);
}

}  // namespace
}  // namespace faceswap
