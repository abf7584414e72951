// The values of every --device option (train, convert, latent), for CLI choices and Check().
// models/device.h turns one into a torch::Device (PickDevice).
#pragma once

#include <string>
#include <vector>

namespace faceswap {

// "auto": the first CUDA device when this LibTorch has one, else the CPU.
inline const std::vector<std::string>& DeviceChoices() {
  static const std::vector<std::string> kChoices = {"auto", "cpu", "cuda"};
  return kChoices;
}

}  // namespace faceswap
