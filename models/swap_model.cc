#include "models/swap_model.h"

#include <algorithm>
#include <cstring>

#include <torch/torch.h>

#include "base/check.h"
#include "models/augment.h"
#include "models/autoencoder.h"
#include "models/checkpoint.h"
#include "models/device.h"

namespace faceswap {
namespace {

class TorchSwapModel : public SwapModel {
 public:
  TorchSwapModel(const std::string& dir, const std::string& device)
      : info_(ReadModelInfo(dir)), device_(PickDevice(device)) {
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
    auto hwc = ToBytes(decoded.narrow(1, 0, 3));
    std::memcpy(out, hwc.data_ptr<uint8_t>(), static_cast<size_t>(n) * s * s * 3);
    if (masks && info_.mask_output && decoded.size(1) > 3) {
      auto m = decoded.narrow(1, 3, 1).contiguous().to(torch::kFloat32);
      std::memcpy(masks, m.data_ptr<float>(), static_cast<size_t>(n) * s * s * sizeof(float));
    }
  }

 int code_size() const override { return model_->spec().dense; }

  std::vector<uint8_t> Crops(const FaceSet& faces) override {
    std::vector<uint8_t> out;
    ForEachChunk(faces, [&](const TrainingBatch& b) { Append(ToBytes(b.target), out); });
    return out;
  }

  std::vector<float> Encode(const FaceSet& faces) override {
    std::vector<float> out;
    ForEachChunk(faces, [&](const TrainingBatch& b) {
      auto code = model_->encoder->Code(b.target.to(device_)).to(torch::kCPU).contiguous();
      out.insert(out.end(), code.data_ptr<float>(), code.data_ptr<float>() + code.numel());
    });
    return out;
  }

  std::vector<uint8_t> Decode(const std::vector<float>& codes, int identity) override {
    c10::InferenceMode inference;
    const int64_t d = code_size(), n = static_cast<int64_t>(codes.size()) / d;
    if (n * d != static_cast<int64_t>(codes.size())) {
      throw FatalError("latent codes: " + std::to_string(codes.size()) +
                       " values is not a multiple of the code size " + std::to_string(d));
    }
    std::vector<uint8_t> out;
    for (int64_t i = 0; i < n; i += kChunk) {
      const int64_t m = std::min<int64_t>(kChunk, n - i);
      auto code = torch::from_blob(const_cast<float*>(codes.data()) + i * d, {m, d},
                                   torch::kFloat32).to(device_);
      auto face = model_->Decode(identity, model_->encoder->Expand(code)).narrow(1, 0, 3);
      Append(ToBytes(face), out);
    }
    return out;
  }

  std::vector<double> ReconstructionErrors(const FaceSet& faces, int identity,
                                           std::vector<float>* codes) override {
    std::vector<double> out;
    if (codes) codes->clear();
    ForEachChunk(faces, [&](const TrainingBatch& b) {
      auto target = b.target.to(device_);
      auto code = model_->encoder->Code(target);
      if (codes) {
        auto c = code.to(torch::kCPU).contiguous();
        codes->insert(codes->end(), c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
      }
      auto face = model_->Decode(identity, model_->encoder->Expand(code)).narrow(1, 0, 3);
      auto weight = b.regions.narrow(1, 0, 1).to(device_);  // N x 1 x S x S, template face.
      auto error = ((face - target).abs() * weight).sum({1, 2, 3}) /
                   (weight.sum({1, 2, 3}) * 3).clamp_min(1e-6);
      error = error.to(torch::kCPU, torch::kFloat64).contiguous();
      out.insert(out.end(), error.data_ptr<double>(), error.data_ptr<double>() + error.numel());
    });
    return out;
  }

 private:
  static constexpr int64_t kChunk = 64;  // Faces per forward pass (bounds the memory).

  // Runs `fn` on the faces' centred coverage crops, kChunk at a time, with the template regions.
  template <typename Fn>
  void ForEachChunk(const FaceSet& faces, Fn fn) {
    c10::InferenceMode inference;
    FaceSet plain = faces;
    plain.regions.clear();  // The template, see ReconstructionErrors().
    AugmentOptions o;
    o.output_size = info_.input_size;
    o.coverage = info_.coverage;
    const Augmenter augmenter(plain, o);
    for (int64_t i = 0; i < plain.count; i += kChunk) {
      const int64_t m = std::min<int64_t>(kChunk, plain.count - i);
      fn(augmenter.Fixed(torch::arange(i, i + m, torch::kLong)));
    }
  }
  static torch::Tensor ToBytes(const torch::Tensor& nchw) {
    return nchw.to(torch::kCPU).mul(255.0).round_().clamp_(0, 255).to(torch::kUInt8)
        .permute({0, 2, 3, 1}).contiguous();
  }
  static void Append(const torch::Tensor& bytes, std::vector<uint8_t>& out) {
    out.insert(out.end(), bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel());
  }

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
