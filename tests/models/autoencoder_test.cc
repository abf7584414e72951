#include "models/autoencoder.h"

#include <gtest/gtest.h>

#include <set>

#include "base/check.h"

namespace faceswap {
namespace {

struct Case {
  const char* arch;
  int size;
};

TEST(Autoencoder, ShapesOfEveryArchitecture) {
  torch::NoGradGuard no_grad;
  for (const Case& c : {Case{"original", 64}, Case{"lite", 64}, Case{"hq", 128}}) {
    for (bool mask : {false, true}) {
      auto model = CreateAutoencoder({c.arch, 3, mask});
      EXPECT_EQ(model->spec().input_size, c.size) << c.arch;
      auto x = torch::rand({2, 3, c.size, c.size});
      auto latent = model->encoder->forward(x);
      EXPECT_EQ(latent.size(0), 2);
      EXPECT_EQ(latent.size(1), model->spec().encoder_upscale) << c.arch;
      EXPECT_EQ(latent.size(2), 8);
      for (int i = 0; i < 3; ++i) {
        auto y = model->Decode(i, latent);
        EXPECT_EQ(y.sizes(), torch::IntArrayRef({2, mask ? 4 : 3, c.size, c.size})) << c.arch;
        EXPECT_GE(y.min().item<float>(), 0.f);
        EXPECT_LE(y.max().item<float>(), 1.f);
      }
    }
  }
}

TEST(Autoencoder, OriginalMatchesTheClassicParameterCount) {
  auto model = CreateAutoencoder({"original", 2, false});
  int64_t encoder = 0;
  for (const auto& p : model->encoder->parameters()) encoder += p.numel();
  // conv 3->128->256->512->1024 (5x5), dense 16384->1024->16384, conv 1024->2048 (3x3).
  const int64_t convs = (3 * 25 + 1) * 128 + (128 * 25 + 1) * 256 + (256 * 25 + 1) * 512 +
                        (512 * 25 + 1) * 1024;
  const int64_t dense = (16384 + 1) * 1024 + (1024 + 1) * 16384;
  const int64_t upscale = (1024 * 9 + 1) * 2048;
  EXPECT_EQ(encoder, convs + dense + upscale);
}

TEST(Autoencoder, EncoderIsSharedAcrossIdentities) {
  auto model = CreateAutoencoder({"lite", 2, false});
  // One set of encoder weights: every parameter object appears once in the whole model,
  // and the decoders hold none of the encoder's tensors.
  std::set<void*> encoder_params;
  for (const auto& p : model->encoder->parameters()) encoder_params.insert(p.data_ptr());
  std::multiset<void*> all;
  for (const auto& p : model->parameters()) all.insert(p.data_ptr());
  for (void* p : encoder_params) EXPECT_EQ(all.count(p), 1u);
  for (auto& decoder : model->decoders) {
    for (const auto& p : decoder->parameters()) EXPECT_EQ(encoder_params.count(p.data_ptr()), 0u);
  }
  // Training through decoder 1 changes the encoder that decoder 0 uses.
  auto x = torch::rand({2, 3, 64, 64});
  torch::Tensor before;
  {
    torch::NoGradGuard no_grad;
    before = model->Decode(0, model->encoder->forward(x)).clone();
  }
  torch::optim::SGD sgd(model->encoder->parameters(), 0.5);
  model->Decode(1, model->encoder->forward(x)).mean().backward();
  sgd.step();
  torch::NoGradGuard no_grad;
  EXPECT_GT((model->Decode(0, model->encoder->forward(x)) - before).abs().max().item<float>(),
            0.f);
}

TEST(Autoencoder, UnknownArchitectureIsAClearError) {
  try {
    CreateAutoencoder({"huge", 2, false});
    FAIL() << "no error";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find("'huge'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(CreateAutoencoder({"lite", 1, false}), FatalError);
}

}  // namespace
}  // namespace faceswap
