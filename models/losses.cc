#include "models/losses.h"

#include <cmath>

namespace faceswap {
namespace {

constexpr int kWindow = 11;
constexpr double kSigma = 1.5;

// 11x11 Gaussian as a depthwise kernel for `channels` channels.
torch::Tensor GaussianKernel(int64_t channels, const torch::TensorOptions& options) {
  auto x = torch::arange(kWindow, torch::kFloat64) - (kWindow - 1) / 2.0;
  auto g = torch::exp(-(x * x) / (2 * kSigma * kSigma));
  g = g / g.sum();
  auto k = torch::outer(g, g).to(options);
  return k.expand({channels, 1, kWindow, kWindow}).contiguous();
}

}  // namespace

torch::Tensor SsimMap(const torch::Tensor& a_in, const torch::Tensor& b_in) {
  auto a = a_in.to(torch::kFloat32);
  auto b = b_in.to(torch::kFloat32);
  const auto kernel = GaussianKernel(a.size(1), a.options());
  constexpr double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
  // One convolution for the five blurred quantities (a, b, a², b², ab).
  const int64_t c = a.size(1);
  auto stacked = torch::cat({a, b, a * a, b * b, a * b}, 1);
  const std::vector<int64_t> stride{1, 1}, padding{0, 0}, dilation{1, 1};
  auto blurred = torch::conv2d(stacked, kernel.repeat({5, 1, 1, 1}), torch::Tensor(), stride,
                               padding, dilation, 5 * c);
  auto parts = blurred.split(c, 1);
  auto mu_a = parts[0], mu_b = parts[1];
  auto mu_aa = mu_a * mu_a;
  auto mu_bb = mu_b * mu_b;
  auto mu_ab = mu_a * mu_b;
  auto var_a = parts[2] - mu_aa;
  auto var_b = parts[3] - mu_bb;
  auto cov = parts[4] - mu_ab;
  return ((2 * mu_ab + c1) * (2 * cov + c2)) / ((mu_aa + mu_bb + c1) * (var_a + var_b + c2));
}

torch::Tensor Ssim(const torch::Tensor& a, const torch::Tensor& b) { return SsimMap(a, b).mean(); }

torch::Tensor SsimPerImage(const torch::Tensor& a, const torch::Tensor& b) {
  return SsimMap(a, b).mean({1, 2, 3});
}

torch::Tensor ReconstructionLoss(const torch::Tensor& prediction_in, const torch::Tensor& target,
                                 const torch::Tensor& regions, const LossOptions& options) {
  auto prediction = prediction_in.to(torch::kFloat32);
  torch::Tensor weight;  // N x 1 x S x S, or undefined for a plain mean.
  if (regions.defined() && (options.face_weight > 0 || options.eye_mouth_weight > 0)) {
    weight = 1 + options.face_weight * regions.narrow(1, 0, 1) +
             options.eye_mouth_weight * regions.narrow(1, 1, 1);
  }
  auto weighted_mean = [&](const torch::Tensor& per_pixel, const torch::Tensor& w) {
    if (!w.defined()) return per_pixel.mean();
    return (per_pixel * w).mean() / w.mean();
  };
  const bool ssim = options.kind.rfind("ssim", 0) == 0;
  torch::Tensor loss;
  if (ssim) {
    auto map = SsimMap(prediction, target);
    torch::Tensor w;
    if (weight.defined()) {  // Valid convolution: crop the weight like the SSIM map.
      const int64_t r = kWindow / 2;
      w = weight.narrow(2, r, map.size(2)).narrow(3, r, map.size(3));
    }
    loss = 1 - weighted_mean(map, w);
  }
  auto diff = prediction - target;
  if (options.kind == "mae" || options.kind == "ssim+mae") {
    auto l = weighted_mean(diff.abs(), weight);
    loss = loss.defined() ? loss + l : l;
  } else if (options.kind == "mse" || options.kind == "ssim+mse") {
    auto l = weighted_mean(diff * diff, weight);
    loss = loss.defined() ? loss + l : l;
  }
  return loss;
}

}  // namespace faceswap
