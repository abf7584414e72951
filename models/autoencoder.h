// The deep-fake autoencoder: one shared convolutional encoder, one decoder per identity.
// Includes <torch/torch.h>: include it only from models/ sources and tests.
//
//   auto model = CreateAutoencoder({.architecture = "original", .identities = 2});
//   torch::Tensor latent = model->encoder->forward(faces);   // N x 3 x 64 x 64 in [0, 1]
//   torch::Tensor swap = model->Decode(1, latent);           // N x 3 x 64 x 64 (x 4 with mask)
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

namespace faceswap {

// The fixed shape of a network (all of it is stored in model.json).
struct ArchitectureSpec {
  std::string name;
  int input_size = 64;                // Face crop side in pixels (input and output).
  std::vector<int> encoder_filters;   // 5x5 stride-2 convolutions, LeakyReLU 0.1.
  int dense = 1024;                   // Bottleneck width (undercomplete).
  int bottleneck_side = 4;            // Spatial side of the reshaped second dense layer.
  int bottleneck_channels = 1024;     // Its channels.
  int encoder_upscale = 512;          // Filters of the encoder's final upscale block.
  std::vector<int> decoder_filters;   // One upscale block (x2) each.
};

// "original", "lite" or "hq"; throws FatalError listing the choices otherwise.
ArchitectureSpec GetArchitecture(const std::string& name);
std::vector<std::string> ArchitectureNames();

// conv 3x3 to 4x filters, LeakyReLU 0.1, pixel shuffle x2.
class UpscaleImpl : public torch::nn::Module {
 public:
  UpscaleImpl(int in_channels, int filters);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Conv2d conv_{nullptr};
};
TORCH_MODULE(Upscale);

class EncoderImpl : public torch::nn::Module {
 public:
  explicit EncoderImpl(const ArchitectureSpec& spec);
  torch::Tensor forward(torch::Tensor x);  // N x 3 x S x S -> latent N x C x 2b x 2b
  // forward() in two halves: the bottleneck code (N x dense, the undercomplete layer the
  // latent tools work in), then its expansion to the decoders' latent.
  torch::Tensor Code(torch::Tensor x);
  torch::Tensor Expand(torch::Tensor code);

 private:
  ArchitectureSpec spec_;
  torch::nn::Sequential convs_;              // Registered (names of the stored weights).
  std::vector<torch::nn::Conv2d> conv_list_;  // The same convolutions, run in forward().
  torch::nn::Linear dense1_{nullptr}, dense2_{nullptr};
  Upscale upscale_{nullptr};
};
TORCH_MODULE(Encoder);

class DecoderImpl : public torch::nn::Module {
 public:
  DecoderImpl(const ArchitectureSpec& spec, bool mask_output);
  // latent -> N x 3 x S x S in [0, 1] (sigmoid); N x 4 x S x S when the mask branch is on
  // (channel 3 is the predicted face mask).
  torch::Tensor forward(torch::Tensor latent);

 private:
  torch::nn::Sequential upscales_;
  torch::nn::Conv2d face_{nullptr}, mask_{nullptr};
};
TORCH_MODULE(Decoder);

struct AutoencoderOptions {
  std::string architecture = "original";  // original | lite | hq
  int identities = 2;                     // Number of decoders (>= 2).
  bool mask_output = false;               // Add a mask output branch to every decoder.
};

class AutoencoderImpl : public torch::nn::Module {
 public:
  explicit AutoencoderImpl(const AutoencoderOptions& options);
  // Face(s) of `identity` rendered from latent codes of any identity.
  torch::Tensor Decode(int identity, const torch::Tensor& latent);
  const ArchitectureSpec& spec() const { return spec_; }
  int identities() const { return static_cast<int>(decoders.size()); }

  Encoder encoder{nullptr};
  std::vector<Decoder> decoders;

 private:
  ArchitectureSpec spec_;
};
TORCH_MODULE(Autoencoder);

Autoencoder CreateAutoencoder(const AutoencoderOptions& options);

}  // namespace faceswap
