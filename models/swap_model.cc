#include "models/swap_model.h"

#include <cstring>

#include <torch/torch.h>

#include "models/autoencoder.h"
#include "models/checkpoint.h"
#include "pipeline/check.h"

namespace faceswap {
namespace {

torch::Device PickDevice(const std::string& name, const std::string& dir) {
  if (name == "cpu") return torch::kCPU;
  if (name == "cuda" || name == "auto") {
    if (torch::cuda::is_available()) return torch::Device(torch::kCUDA, 0);
    if (name == "cuda") {
      throw FatalError("--device cuda for " + dir + ": this LibTorch build sees no CUDA device");
    }
    return torch::kCPU;
  }
  throw FatalError("invalid value '" + name + "' for option 'device': choose from auto, cpu, cuda");
}

class TorchSwapModel : public SwapModel {
 public:
  TorchSwapModel(const std::string& dir, const std::string& device)
      : info_(ReadModelInfo(dir)), device_(PickDevice(device, dir)) {
    AutoencoderOptions o;
    o.architecture = info_.architecture;
    o.identities = static_cast<int>(info_.identities.size());
    o.mask_output = info_.mask_output;
    model_ = CreateAutoencoder(o);
    LoadCheckpoint(dir, info_, model_, nullptr, device_);
    model_->to(device_);
    model_->eval();
  }

  const ModelInfo& info() const override { return info_; }
  std::string device() const override { return device_.str(); }

  int IdentityIndex(const std::string& name) const override {
    std::string list;
    for (size_t i = 0; i < info_.identities.size(); ++i) {
      if (info_.identities[i] == name) return static_cast<int>(i);
      list += (i ? ", " : "") + info_.identities[i];
    }
    throw FatalError("the model has no identity '" + name + "': it has " + list);
  }

  void Swap(const uint8_t* faces, int n, int to, uint8_t* out, float* masks) override {
    if (n <= 0) return;
    c10::InferenceMode inference;  // No autograd bookkeeping at all (cheaper than NoGradGuard).
    const int s = info_.input_size;
    auto in = torch::from_blob(const_cast<uint8_t*>(faces), {n, s, s, 3}, torch::kUInt8)
                  .to(device_)
                  .permute({0, 3, 1, 2})
                  .to(torch::kFloat32)
                  .div_(255.0);
    auto decoded = model_->Decode(to, model_->encoder->forward(in)).to(torch::kCPU);
    auto rgb = decoded.narrow(1, 0, 3).mul(255.0).round_().clamp_(0, 255).to(torch::kUInt8);
    auto hwc = rgb.permute({0, 2, 3, 1}).contiguous();
    std::memcpy(out, hwc.data_ptr<uint8_t>(), static_cast<size_t>(n) * s * s * 3);
    if (masks && info_.mask_output && decoded.size(1) > 3) {
      auto m = decoded.narrow(1, 3, 1).contiguous().to(torch::kFloat32);
      std::memcpy(masks, m.data_ptr<float>(), static_cast<size_t>(n) * s * s * sizeof(float));
    }
  }

 private:
  ModelInfo info_;
  torch::Device device_;
  Autoencoder model_{nullptr};
};

}  // namespace

std::unique_ptr<SwapModel> SwapModel::Load(const std::string& dir, const std::string& device,
                                           int64_t seed) {
  torch::manual_seed(static_cast<uint64_t>(seed));
  return std::make_unique<TorchSwapModel>(dir, device);
}

}  // namespace faceswap
