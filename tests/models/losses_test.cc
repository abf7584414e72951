#include "models/losses.h"

#include <gtest/gtest.h>

#include "tests/models/test_faces.h"

namespace faceswap {
namespace {

torch::Tensor Images() {
  auto set = testing::PatternFaces("x", 4, 64, 3);
  return torch::from_blob(set.pixels.data(), {4, 64, 64, 3}, torch::kUInt8)
      .permute({0, 3, 1, 2})
      .to(torch::kFloat32)
      .div(255);
}

TEST(Ssim, IdenticalImagesGiveOne) {
  auto a = Images();
  EXPECT_NEAR(Ssim(a, a).item<double>(), 1.0, 1e-5);
  EXPECT_NEAR(SsimPerImage(a, a).min().item<double>(), 1.0, 1e-5);
}

TEST(Ssim, DecreasesWithNoise) {
  auto a = Images();
  torch::manual_seed(1);
  auto noise = torch::randn_like(a);
  double previous = 1.0;
  for (double sigma : {0.01, 0.03, 0.1, 0.3}) {
    const double s = Ssim(a, (a + sigma * noise).clamp(0, 1)).item<double>();
    EXPECT_LT(s, previous) << "sigma " << sigma;
    previous = s;
  }
  EXPECT_LT(previous, 0.5);
}

TEST(Ssim, MatchesAHandComputedConstantImageCase) {
  // Two constant images: variances are 0, so SSIM = (2 mu_a mu_b + C1) / (mu_a^2 + mu_b^2 + C1).
  auto a = torch::full({1, 1, 16, 16}, 0.2);
  auto b = torch::full({1, 1, 16, 16}, 0.6);
  const double c1 = 1e-4;
  EXPECT_NEAR(Ssim(a, b).item<double>(), (2 * 0.2 * 0.6 + c1) / (0.04 + 0.36 + c1), 1e-5);
}

TEST(Losses, KindsAndWeights) {
  auto a = Images();
  auto b = (a + 0.1).clamp(0, 1);
  auto diff = (a - b);
  LossOptions o;
  o.kind = "mae";
  EXPECT_NEAR(ReconstructionLoss(a, b, {}, o).item<double>(), diff.abs().mean().item<double>(),
              1e-6);
  o.kind = "mse";
  EXPECT_NEAR(ReconstructionLoss(a, b, {}, o).item<double>(), diff.pow(2).mean().item<double>(),
              1e-6);
  o.kind = "ssim+mae";
  EXPECT_NEAR(ReconstructionLoss(a, b, {}, o).item<double>(),
              1 - Ssim(a, b).item<double>() + diff.abs().mean().item<double>(), 1e-5);
  EXPECT_NEAR(ReconstructionLoss(a, a, {}, o).item<double>(), 0.0, 1e-5);
  // Weighting: errors only inside the weighted region count more.
  auto regions = torch::zeros({4, 2, 64, 64});
  regions.narrow(3, 0, 32).fill_(1);  // Left half is "face" and "eyes/mouth".
  auto left_error = a.clone();
  left_error.narrow(3, 0, 32).add_(0.2);
  o.kind = "mae";
  const double plain = ReconstructionLoss(left_error, a, regions, o).item<double>();
  o.face_weight = 2;
  o.eye_mouth_weight = 1;
  EXPECT_GT(ReconstructionLoss(left_error, a, regions, o).item<double>(), plain * 1.5);
  EXPECT_EQ(o.Check(), "");
  o.kind = "l7";
  EXPECT_NE(o.Check().find("'l7'"), std::string::npos);
}

}  // namespace
}  // namespace faceswap
