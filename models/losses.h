// Reconstruction losses: MAE, MSE, SSIM (11x11 Gaussian, sigma 1.5) and weighted mixes.
#pragma once

#include <string>

#include <torch/torch.h>

#include "models/train_options.h"

namespace faceswap {

// Mean SSIM over N x C x H x W images in [0, 1] (per-channel, 11x11 Gaussian window,
// sigma 1.5, valid convolution, C1 = 0.01^2, C2 = 0.03^2). Returns a scalar tensor.
torch::Tensor Ssim(const torch::Tensor& a, const torch::Tensor& b);
// Per-pixel SSIM map, N x C x (H-10) x (W-10).
torch::Tensor SsimMap(const torch::Tensor& a, const torch::Tensor& b);
// Per-image mean SSIM, N (for held-out quality figures).
torch::Tensor SsimPerImage(const torch::Tensor& a, const torch::Tensor& b);

// Loss of `prediction` (N x 3 x S x S) against `target`; `regions` is N x 2 x S x S (face mask,
// eye/mouth map) or undefined. Returns a scalar (fp32 even if the prediction is bf16).
torch::Tensor ReconstructionLoss(const torch::Tensor& prediction, const torch::Tensor& target,
                                 const torch::Tensor& regions, const LossOptions& options);

}  // namespace faceswap
