// The one device choice of every command that runs a model (train, convert, latent).
#pragma once

#include <string>

#include <torch/torch.h>

#include "base/device_choice.h"

namespace faceswap {

// The device `name` (one of DeviceChoices()) stands for. Throws FatalError for "cuda" when no
// CUDA device is visible (a CPU LibTorch, or no GPU), and for a name not in the list.
torch::Device PickDevice(const std::string& name);

}  // namespace faceswap
