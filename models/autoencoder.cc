#include "models/autoencoder.h"

#include "base/check.h"
#include "models/conv.h"

namespace faceswap {

namespace nn = torch::nn;

std::vector<std::string> ArchitectureNames() { return {"original", "lite", "hq"}; }

ArchitectureSpec GetArchitecture(const std::string& name) {
  ArchitectureSpec spec;
  spec.name = name;
  if (name == "original") {
    // The classic deepfakes model (faceswap's plugins/train/model/original.py).
    spec.input_size = 64;
    spec.encoder_filters = {128, 256, 512, 1024};
    spec.dense = 1024;
    spec.bottleneck_channels = 1024;
    spec.encoder_upscale = 512;
    spec.decoder_filters = {256, 128, 64};
  } else if (name == "lite") {
    // Same topology with half the filters and half the bottleneck: ~1/4 of the convolution
    // work (0.95 vs 3.8 GFLOP per face forward) and 1/4 of the dense parameters, so a 2-core
    // CPU sees ~4x more faces per minute; see tools/bench/train_bench.cc for the measurement.
    spec.input_size = 64;
    spec.encoder_filters = {64, 128, 256, 512};
    spec.dense = 512;
    spec.bottleneck_channels = 512;
    spec.encoder_upscale = 256;
    spec.decoder_filters = {128, 64, 32};
  } else if (name == "hq") {
    // 128 px for GPUs: one more stride-2 stage in the encoder and one more upscale in the
    // decoders so the bottleneck stays 4x4 (dense parameters as in `original`).
    spec.input_size = 128;
    spec.encoder_filters = {128, 256, 512, 1024, 1024};
    spec.dense = 1024;
    spec.bottleneck_channels = 1024;
    spec.encoder_upscale = 512;
    spec.decoder_filters = {512, 256, 128, 64};
  } else {
    throw FatalError("unknown model architecture '" + name +
                     "': expected original, lite or hq");
  }
  return spec;
}

UpscaleImpl::UpscaleImpl(int in_channels, int filters) {
  conv_ = register_module("conv", MakeConv(in_channels, filters * 4, 3, 1));
}

torch::Tensor UpscaleImpl::forward(torch::Tensor x) {
  x = torch::leaky_relu(ConvForward(conv_, x), 0.1);
  return torch::pixel_shuffle(x, 2);
}

EncoderImpl::EncoderImpl(const ArchitectureSpec& spec) : spec_(spec) {
  int in = 3;
  for (int filters : spec.encoder_filters) {
    conv_list_.push_back(MakeConv(in, filters, 5, 2));
    convs_->push_back(conv_list_.back());
    // Applied in forward(); kept in the Sequential so parameter names stay "convs.<2i>.*".
    convs_->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.1)));
    in = filters;
  }
  register_module("convs", convs_);
  const int side = spec.input_size >> spec.encoder_filters.size();
  dense1_ = register_module("dense1", nn::Linear(in * side * side, spec.dense));
  dense2_ = register_module(
      "dense2",
      nn::Linear(spec.dense, spec.bottleneck_side * spec.bottleneck_side * spec.bottleneck_channels));
  upscale_ = register_module("upscale", Upscale(spec.bottleneck_channels, spec.encoder_upscale));
}

torch::Tensor EncoderImpl::forward(torch::Tensor x) { return Expand(Code(x)); }

torch::Tensor EncoderImpl::Code(torch::Tensor x) {
  for (auto& conv : conv_list_) x = torch::leaky_relu(ConvForward(conv, x), 0.1);
  return dense1_->forward(x.flatten(1));
}

torch::Tensor EncoderImpl::Expand(torch::Tensor code) {
  auto x = dense2_->forward(code);
  x = x.view({x.size(0), spec_.bottleneck_channels, spec_.bottleneck_side, spec_.bottleneck_side});
  return upscale_->forward(x);
}

DecoderImpl::DecoderImpl(const ArchitectureSpec& spec, bool mask_output) {
  int in = spec.encoder_upscale;
  for (int filters : spec.decoder_filters) {
    upscales_->push_back(Upscale(in, filters));
    in = filters;
  }
  register_module("upscales", upscales_);
  face_ = register_module("face", MakeConv(in, 3, 5, 1));
  if (mask_output) mask_ = register_module("mask", MakeConv(in, 1, 5, 1));
}

torch::Tensor DecoderImpl::forward(torch::Tensor latent) {
  auto x = upscales_->forward(latent);
  auto face = torch::sigmoid(face_->forward(x));
  if (!mask_) return face;
  return torch::cat({face, torch::sigmoid(mask_->forward(x))}, 1);
}

AutoencoderImpl::AutoencoderImpl(const AutoencoderOptions& options)
    : spec_(GetArchitecture(options.architecture)) {
  if (options.identities < 2) {
    throw FatalError("a swap model needs at least 2 identities, got " +
                     std::to_string(options.identities));
  }
  encoder = register_module("encoder", Encoder(spec_));
  for (int i = 0; i < options.identities; ++i) {
    decoders.push_back(
        register_module("decoder" + std::to_string(i), Decoder(spec_, options.mask_output)));
  }
}

torch::Tensor AutoencoderImpl::Decode(int identity, const torch::Tensor& latent) {
  return decoders.at(identity)->forward(latent);
}

Autoencoder CreateAutoencoder(const AutoencoderOptions& options) { return Autoencoder(options); }

}  // namespace faceswap
