#include "models/fused_adam.h"

#include <gtest/gtest.h>

#include "tests/testing/samples.h"

namespace faceswap {
namespace {

torch::nn::Sequential SmallNet() {
  torch::manual_seed(5);
  return torch::nn::Sequential(torch::nn::Linear(40, 30), torch::nn::Tanh(),
                               torch::nn::Linear(30, 5));
}

TEST(FusedAdam, MatchesTorchAdamAndItsCheckpoints) {
  torch::manual_seed(4);
  auto a = SmallNet(), b = SmallNet();
  auto options = torch::optim::AdamOptions(1e-2).betas(std::make_tuple(0.5, 0.999));
  torch::optim::Adam reference(a->parameters(), options);
  FusedAdam fused(b->parameters(), options);
  auto x = torch::randn({16, 40});
  for (int i = 0; i < 5; ++i) {
    for (auto* pair : {&reference, static_cast<torch::optim::Adam*>(&fused)}) {
      auto& net = pair == &reference ? a : b;
      pair->zero_grad();
      net->forward(x).pow(2).mean().backward();
      pair->step();
    }
  }
  for (size_t i = 0; i < a->parameters().size(); ++i) {
    EXPECT_LT((a->parameters()[i] - b->parameters()[i]).abs().max().item<float>(), 1e-5f);
  }
  // Its state saves and loads as a torch::optim::Adam's.
  const std::string file = testing::ScratchDir("fused_adam") + "/opt.pt";
  torch::save(fused, file);
  torch::optim::Adam loaded(a->parameters(), options);
  torch::load(loaded, file);
  EXPECT_EQ(loaded.state().size(), fused.state().size());
}

// Mixed precision: the network runs on bf16 twins; the fp32 master weights must follow exactly
// torch's Adam fed the same (bf16) gradients, and every twin must be its master rounded.
TEST(FusedAdam, Bf16TwinsFollowTheFp32MasterWeights) {
  auto master = SmallNet(), twin = SmallNet(), reference = SmallNet();
  twin->to(torch::kBFloat16);
  auto options = torch::optim::AdamOptions(1e-2).betas(std::make_tuple(0.5, 0.999));
  FusedAdam fused(master->parameters(), options);
  fused.SetBf16Copies(twin->parameters());
  torch::optim::Adam plain(reference->parameters(), options);
  auto x = torch::randn({16, 40});
  for (int i = 0; i < 5; ++i) {
    twin->zero_grad();
    twin->forward(x.to(torch::kBFloat16)).to(torch::kFloat32).pow(2).mean().backward();
    plain.zero_grad();
    for (size_t k = 0; k < twin->parameters().size(); ++k) {
      ASSERT_EQ(twin->parameters()[k].grad().scalar_type(), torch::kBFloat16);
      reference->parameters()[k].mutable_grad() =
          twin->parameters()[k].grad().to(torch::kFloat32);
    }
    fused.step();
    plain.step();
  }
  for (size_t k = 0; k < master->parameters().size(); ++k) {
    const torch::Tensor m = master->parameters()[k];
    EXPECT_LT((m - reference->parameters()[k]).abs().max().item<float>(), 1e-6f) << k;
    EXPECT_TRUE(torch::equal(twin->parameters()[k], m.to(torch::kBFloat16))) << k;
    EXPECT_FALSE(torch::equal(m, SmallNet()->parameters()[k])) << "parameter " << k
                                                                << " never moved";
  }
  // The twins follow a master that is changed from outside (a checkpoint load).
  {
    torch::NoGradGuard no_grad;
    master->parameters()[0].fill_(0.25);
  }
  fused.SyncBf16Copies();
  EXPECT_TRUE(torch::equal(twin->parameters()[0], torch::full_like(twin->parameters()[0], 0.25)));
}

}  // namespace
}  // namespace faceswap
