// Structured test images for models/ unit tests (models/ tests build without an image codec;
// the real-face training test is tests/tools/train_command_test.cc). Smooth gradients plus a
// few blobs per image, so geometry and SSIM have something to see.
#pragma once

#include <cstring>

#include <torch/torch.h>

#include "models/face_set.h"

namespace faceswap::testing {

inline FaceSet PatternFaces(const std::string& name, int count, int side, uint64_t seed) {
  torch::manual_seed(seed);
  auto y = torch::linspace(0, 1, side).view({side, 1, 1});
  auto x = torch::linspace(0, 1, side).view({1, side, 1});
  std::vector<torch::Tensor> images;
  for (int i = 0; i < count; ++i) {
    auto c = torch::rand({1, 1, 3});
    auto img = 0.3 * x * c + 0.3 * y * (1 - c) + 0.2;
    for (int b = 0; b < 4; ++b) {
      auto p = torch::rand({2});
      auto r = 0.05 + 0.1 * torch::rand({1});
      auto d = (x - p[0]).pow(2) + (y - p[1]).pow(2);
      img = img + 0.4 * torch::exp(-d / (r * r)) * torch::rand({1, 1, 3});
    }
    images.push_back(img.clamp(0, 1));
  }
  auto all = (torch::stack(images) * 255).round().to(torch::kUInt8).contiguous();
  FaceSet set;
  set.name = name;
  set.count = count;
  set.height = side;
  set.width = side;
  set.pixels.resize(all.numel());
  std::memcpy(set.pixels.data(), all.data_ptr<uint8_t>(), all.numel());
  return set;
}

}  // namespace faceswap::testing
