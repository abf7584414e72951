#include "models/conv.h"

namespace faceswap {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

thread_local bool plain_convolutions = false;

class MatmulWeightGradConv : public torch::autograd::Function<MatmulWeightGradConv> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               int64_t stride, int64_t padding) {
    ctx->save_for_backward({x, weight});
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    ctx->saved_data["bias"] = bias.defined();
    return torch::conv2d(x, weight, bias, stride, padding);
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& weight = saved[1];
    const int64_t stride = ctx->saved_data["stride"].toInt();
    const int64_t padding = ctx->saved_data["padding"].toInt();
    const auto g = grads[0].contiguous();
    const int64_t n = g.size(0), out_channels = g.size(1), positions = g.size(2) * g.size(3);
    torch::Tensor grad_x, grad_w, grad_b;
    if (ctx->needs_input_grad(0)) {
      const std::vector<int64_t> s{stride, stride}, p{padding, padding}, d{1, 1}, op{0, 0};
      grad_x = std::get<0>(at::convolution_backward(g, x, weight, c10::nullopt, s, p, d,
                                                    /*transposed=*/false, op, /*groups=*/1,
                                                    {true, false, false}));
    }
    if (ctx->needs_input_grad(1)) {
      // dW[o, c*k*k] = sum over images and output positions of g[o] * columns[c*k*k].
      const int64_t k = weight.size(2);
      auto columns = torch::im2col(x, {k, k}, {1, 1}, {padding, padding}, {stride, stride});
      auto g_rows = g.view({n, out_channels, positions}).permute({1, 0, 2}).reshape(
          {out_channels, n * positions});
      auto column_rows = columns.permute({0, 2, 1}).reshape({n * positions, columns.size(1)});
      grad_w = torch::mm(g_rows, column_rows).view_as(weight);
    }
    if (ctx->saved_data["bias"].toBool() && ctx->needs_input_grad(2)) grad_b = g.sum({0, 2, 3});
    return {grad_x, grad_w, grad_b, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

PlainConvolutionGuard::PlainConvolutionGuard() : previous_(plain_convolutions) {
  plain_convolutions = true;
}
PlainConvolutionGuard::~PlainConvolutionGuard() { plain_convolutions = previous_; }

torch::nn::Conv2d MakeConv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2));
}

torch::Tensor ConvForward(torch::nn::Conv2d& conv, const torch::Tensor& x) {
  if (plain_convolutions || !x.device().is_cpu() || !torch::GradMode::is_enabled() || !conv->weight.requires_grad() ||
      x.dim() != 4) {
    return conv->forward(x);
  }
  const int64_t k = conv->weight.size(2);
  const int64_t stride = (*conv->options.stride())[0];
  const int64_t pad = k / 2;  // MakeConv's padding.
  const int64_t out_side = (x.size(3) + 2 * pad - k) / stride + 1;
  if (out_side > kMatmulWeightGradSide) return conv->forward(x);
  return MatmulWeightGradConv::apply(x, conv->weight, conv->bias, stride, pad);
}

}  // namespace faceswap
