#include "models/device.h"

#include "base/check.h"

namespace faceswap {

torch::Device PickDevice(const std::string& name) {
  ThrowIfInvalid(OptionCheck().OneOf("device", name, DeviceChoices()).Error());
  if (name == "cpu") return torch::kCPU;
  if (torch::cuda::is_available()) return torch::Device(torch::kCUDA, 0);
  if (name == "cuda") {
    throw FatalError(
        "--device cuda: no CUDA device is available (this needs a CUDA LibTorch, chosen with "
        "Torch_DIR at configure time, and a visible GPU); use --device cpu");
  }
  return torch::kCPU;
}

}  // namespace faceswap
