#include "models/augment.h"

#include <gtest/gtest.h>

#include <cmath>
#include <utility>

#include "base/check.h"
#include "models/batch_feeder.h"
#include "tests/models/test_faces.h"

namespace faceswap {
namespace {

const FaceSet& Faces() {
  static const FaceSet set = testing::PatternFaces("a", 12, 160, 5);
  return set;
}

TEST(Augment, ShapesAndRange) {
  AugmentOptions o;
  Augmenter aug(Faces(), o);
  auto gen = MakeCpuGenerator(1);
  auto b = aug.Random(5, gen);
  for (const auto& t : {b.input, b.target}) {
    EXPECT_EQ(t.sizes(), torch::IntArrayRef({5, 3, 64, 64}));
    EXPECT_GE(t.min().item<float>(), 0.f);
    EXPECT_LE(t.max().item<float>(), 1.f);
  }
  EXPECT_EQ(b.regions.sizes(), torch::IntArrayRef({5, 2, 64, 64}));
  // The face template covers the middle of the crop, not the corners.
  EXPECT_GT(b.regions.select(1, 0).select(1, 32).select(1, 32).min().item<float>(), 0.5f);
  EXPECT_LT(b.regions.select(1, 0).select(1, 0).select(1, 0).max().item<float>(), 0.5f);
}

// Faces with their own region maps (from landmarks): each face's maps are used, moved with
// the face by the same transform as its pixels.
TEST(Augment, PerFaceRegionsFollowEachFace) {
  FaceSet set = Faces();
  const int side = set.height;
  set.regions.assign(static_cast<size_t>(set.count) * 2 * side * side, 0);
  auto regions = torch::from_blob(set.regions.data(), {set.count, 2, side, side}, torch::kUInt8);
  for (int k = 0; k < set.count; ++k) {  // Even faces: left half; odd faces: right half.
    regions[k].narrow(2, k % 2 ? side / 2 : 0, side / 2).fill_(255);
  }
  AugmentOptions o;
  o.coverage = 1;  // Crop = the whole stored face, so the halves map onto the crop's halves.
  Augmenter aug(set, o);
  auto b = aug.Fixed(torch::tensor({2, 5}, torch::kLong));
  EXPECT_GT(b.regions[0][0].narrow(1, 4, 24).min().item<float>(), 0.99f);  // Face 2: left.
  EXPECT_LT(b.regions[0][0].narrow(1, 36, 24).max().item<float>(), 0.01f);
  EXPECT_LT(b.regions[1][1].narrow(1, 4, 24).max().item<float>(), 0.01f);  // Face 5: right.
  EXPECT_GT(b.regions[1][1].narrow(1, 36, 24).min().item<float>(), 0.99f);
  // A horizontal flip moves the map with the pixels: with flips on, some augmented copies
  // of face 2 have their region on the right.
  o.flip = true;
  o.rotation_degrees = o.scale = o.shift = 0;
  Augmenter flipping(set, o);
  auto gen = MakeCpuGenerator(3);
  auto many = flipping.Augment(torch::full({16}, 2, torch::kLong), gen);
  auto right = many.regions.select(1, 0).narrow(2, 36, 24).mean({1, 2});
  EXPECT_GT((right > 0.99).sum().item<int64_t>(), 0);
  EXPECT_GT((right < 0.01).sum().item<int64_t>(), 0);
}

TEST(Augment, WarpChangesOnlyTheInput) {
  // Same random stream, warp on vs off (colour jitter off: the warp noise is the last draw).
  AugmentOptions warped;
  warped.color = 0;
  warped.warp = 0.1;
  AugmentOptions plain = warped;
  plain.warp = 0;
  Augmenter a(Faces(), warped), b(Faces(), plain);
  auto idx = torch::tensor({0, 3, 7}, torch::kLong);
  auto g1 = MakeCpuGenerator(42), g2 = MakeCpuGenerator(42);
  auto with_warp = a.Augment(idx, g1);
  auto without = b.Augment(idx, g2);
  // Targets are identical: the warp never reaches the target.
  EXPECT_LT((with_warp.target - without.target).abs().max().item<float>(), 1e-6f);
  // Unwarped: input == target; warped: input differs.
  EXPECT_LT((without.input - without.target).abs().max().item<float>(), 1e-6f);
  EXPECT_GT((with_warp.input - with_warp.target).abs().mean().item<float>(), 0.005f);
}

TEST(Augment, NoTransformGivesTheCentredCoverageCrop) {
  AugmentOptions o;
  o.rotation_degrees = o.scale = o.shift = o.warp = o.color = 0;
  o.flip = false;
  Augmenter aug(Faces(), o);
  auto idx = torch::tensor({2, 5}, torch::kLong);
  auto gen = MakeCpuGenerator(3);
  auto random = aug.Augment(idx, gen);
  auto fixed = aug.Fixed(idx);
  EXPECT_LT((random.target - fixed.target).abs().max().item<float>(), 1e-5f);
  // The crop is the centre of the stored face: compare with an area-resized centre crop.
  const int side = 160, crop = 100;  // coverage 0.625 of 160 px
  auto all = torch::from_blob(const_cast<uint8_t*>(Faces().pixels.data()), {12, side, side, 3},
                              torch::kUInt8);
  auto centre = all.index_select(0, idx)
                    .narrow(1, (side - crop) / 2, crop)
                    .narrow(2, (side - crop) / 2, crop)
                    .permute({0, 3, 1, 2})
                    .to(torch::kFloat32)
                    .div(255);
  auto expected = torch::adaptive_avg_pool2d(centre, {64, 64});
  EXPECT_LT((fixed.target - expected).abs().mean().item<float>(), 0.01f);
}

TEST(Augment, FlipMirrorsTheTarget) {
  AugmentOptions o;
  o.rotation_degrees = o.scale = o.shift = o.warp = o.color = 0;
  Augmenter aug(Faces(), o);
  auto idx = torch::zeros({64}, torch::kLong);  // Same face 64 times: about half flipped.
  auto gen = MakeCpuGenerator(9);
  auto b = aug.Augment(idx, gen);
  auto fixed = aug.Fixed(idx.narrow(0, 0, 1)).target;
  int flipped = 0, same = 0;
  for (int i = 0; i < 64; ++i) {
    auto t = b.target.narrow(0, i, 1);
    if ((t - fixed).abs().max().item<float>() < 1e-5f) ++same;
    if ((t - fixed.flip({3})).abs().max().item<float>() < 1e-5f) ++flipped;
  }
  EXPECT_EQ(same + flipped, 64);
  EXPECT_GT(flipped, 16);
  EXPECT_GT(same, 16);
}

// Mean of each channel over a batch's crops: float 3.
torch::Tensor ChannelMeans(const torch::Tensor& images) { return images.mean({0, 2, 3}); }

TEST(Augment, ColorTransferMovesAFaceToAnotherIdentitysColours) {
  // Identity "warm": the same kind of faces with channel 2 raised and channel 0 lowered.
  FaceSet warm = testing::PatternFaces("warm", 12, 160, 8);
  for (size_t i = 0; i < warm.pixels.size(); i += 3) {
    warm.pixels[i] = static_cast<uint8_t>(warm.pixels[i] * 0.6);
    warm.pixels[i + 2] = static_cast<uint8_t>(std::min(255.0, warm.pixels[i + 2] * 1.4 + 20));
  }
  AugmentOptions o;
  o.rotation_degrees = o.scale = o.shift = o.warp = o.color = 0;
  o.flip = false;
  o.color_transfer = 1;
  Augmenter plain(Faces(), o), warm_aug(warm, o);
  auto idx = torch::arange(12, torch::kLong).repeat({4});
  auto gen = MakeCpuGenerator(5);
  // No pool set: nothing to transfer to, the batch is the plain crop.
  auto before = plain.Augment(idx, gen);
  auto fixed = plain.Fixed(idx);
  EXPECT_LT((before.target - fixed.target).abs().max().item<float>(), 1e-6f);

  plain.SetColorPool(warm_aug.color_stats());
  auto moved = plain.Augment(idx, gen);
  // Input and target are recoloured alike (no warp here, so they stay equal).
  EXPECT_LT((moved.input - moved.target).abs().max().item<float>(), 1e-6f);
  const auto own = ChannelMeans(fixed.target), goal = ChannelMeans(warm_aug.Fixed(idx).target),
             got = ChannelMeans(moved.target);
  for (int c : {0, 2}) {
    const float gap = std::abs(goal[c].item<float>() - own[c].item<float>());
    ASSERT_GT(gap, 0.05f) << "channel " << c << ": the identities must differ in colour";
    // Most of the way to the other identity's colour.
    EXPECT_LT(std::abs(got[c].item<float>() - goal[c].item<float>()), 0.3f * gap)
        << "channel " << c << ": own " << own[c].item<float>() << ", other "
        << goal[c].item<float>() << ", recoloured " << got[c].item<float>();
  }
  // Only part of the faces at color_transfer 0.5.
  o.color_transfer = 0.5;
  Augmenter half(Faces(), o);
  half.SetColorPool(warm_aug.color_stats());
  auto some = half.Augment(idx, gen);
  auto changed = (some.target - fixed.target).abs().amax({1, 2, 3}) > 1e-3;
  const int64_t n = changed.sum().item<int64_t>();
  EXPECT_GT(n, 8);
  EXPECT_LT(n, 40);
}

// A dark face with one bright dot at normalised (x, y), and 68 landmarks on a ring around
// the centre (radius 0.5) plus landmark 30 (the nose tip) on the dot.
FaceSet DotFace(const std::string& name, float x, float y, float ring_dx) {
  FaceSet set;
  set.name = name;
  set.count = 2;
  set.height = set.width = 64;
  set.pixels.assign(static_cast<size_t>(2) * 64 * 64 * 3, 20);
  set.regions.assign(static_cast<size_t>(2) * 2 * 64 * 64, 255);
  const int px = static_cast<int>((x + 1) * 32 - 0.5f), py = static_cast<int>((y + 1) * 32 - 0.5f);
  for (int k = 0; k < 2; ++k) {
    for (int dy = -1; dy <= 1; ++dy) {
      for (int dx = -1; dx <= 1; ++dx) {
        uint8_t* p = &set.pixels[((static_cast<size_t>(k) * 64 + py + dy) * 64 + px + dx) * 3];
        p[0] = p[1] = p[2] = 250;
      }
    }
    for (int i = 0; i < 68; ++i) {
      const double a = 2 * 3.14159265358979 * i / 68;
      const bool nose = i == 30;
      set.landmarks.push_back(nose ? x : static_cast<float>(0.5 * std::cos(a)) + ring_dx);
      set.landmarks.push_back(nose ? y : static_cast<float>(0.5 * std::sin(a)));
    }
  }
  return set;
}

// Brightness-weighted centroid (normalised x, y) of the first face of a N x 3 x S x S batch.
std::pair<float, float> BrightCentroid(const torch::Tensor& images) {
  auto grey = images[0].mean(0);
  auto w = torch::relu(grey - 0.5);
  const int64_t side = grey.size(0);
  auto c = (torch::arange(side, torch::kFloat32) + 0.5) / side * 2 - 1;
  const float total = w.sum().item<float>();
  return {(w * c.view({1, side})).sum().item<float>() / total,
          (w * c.view({side, 1})).sum().item<float>() / total};
}

// Warp to landmarks: the input shows the face with its landmarks where the other identity's
// face has them (the dot, on landmark 30, moves to the pool's landmark 30); the target does
// not move; without a pool (or without the option) the face is not warped that way.
TEST(Augment, WarpToLandmarksMovesTheInputsLandmarksToAnotherFaces) {
  AugmentOptions o;
  o.coverage = 1;
  o.rotation_degrees = o.scale = o.shift = o.color = 0;
  o.flip = false;
  o.warp = 0;
  o.output_size = 64;
  o.warp_to_landmarks = true;
  const FaceSet own = DotFace("a", -0.2f, 0.1f, 0);
  const FaceSet other = DotFace("b", 0.15f, -0.1f, 0.05f);
  Augmenter aug(own, o);
  const Augmenter pool_side(other, o);
  EXPECT_FALSE(aug.warps_to_landmarks()) << "no pool yet";
  aug.SetLandmarkPool(pool_side.landmarks());
  ASSERT_TRUE(aug.warps_to_landmarks());
  auto gen = MakeCpuGenerator(4);
  auto b = aug.Augment(torch::tensor({0, 1}, torch::kLong), gen);
  const auto [tx, ty] = BrightCentroid(b.target);
  EXPECT_NEAR(tx, -0.2f, 0.04f);
  EXPECT_NEAR(ty, 0.1f, 0.04f);
  const auto [ix, iy] = BrightCentroid(b.input);
  EXPECT_NEAR(ix, 0.15f, 0.05f) << "the input's dot should sit on the pool face's landmark 30";
  EXPECT_NEAR(iy, -0.1f, 0.05f);
  o.warp_to_landmarks = false;
  Augmenter off(own, o);
  off.SetLandmarkPool(pool_side.landmarks());
  EXPECT_FALSE(off.warps_to_landmarks());
  auto plain = off.Augment(torch::tensor({0}, torch::kLong), gen);
  EXPECT_TRUE(torch::allclose(plain.input, plain.target));
}

// The coarse evaluation of the landmark warp equals the spline evaluated at every pixel centre
// (as it was before the coarse grid), under a rotated, scaled, shifted crop.
TEST(Augment, CoarseSplineWarpFieldMatchesTheDenseSpline) {
  auto gen = MakeCpuGenerator(7);
  const int64_t n = 4, k = 76, side = 64;
  auto centres = torch::rand({n, k, 2}, gen) * 1.6 - 0.8;
  auto values = (torch::rand({n, k, 2}, gen) - 0.5) * 0.1;  // Up to 5% of the crop.
  const double a = 0.3, scale = 0.85;
  auto theta = torch::tensor({static_cast<float>(scale * std::cos(a)),
                              static_cast<float>(-scale * std::sin(a)), 0.05f,
                              static_cast<float>(scale * std::sin(a)),
                              static_cast<float>(scale * std::cos(a)), -0.03f})
                   .view({1, 2, 3})
                   .repeat({n, 1, 1});
  auto grid = torch::nn::functional::affine_grid(theta, {n, 3, side, side}, false);
  auto dense = ThinPlateSpline(centres, values, grid.view({n, side * side, 2}))
                   .view({n, side, side, 2});
  auto coarse = SplineWarpField(centres, values, theta, side);
  ASSERT_EQ(coarse.sizes(), dense.sizes());
  // Normalised units: 2 / side is one pixel. Random centres make a rougher field (up to ~7 px,
  // bumps between close centres) than a face's landmarks do; the error must still stay under
  // a pixel at worst and a few hundredths on average (a 16^2 grid fails both: 1.35 / 0.053).
  const double max_error = (coarse - dense).abs().max().item<double>();
  const double mean_error = (coarse - dense).abs().mean().item<double>();
  std::printf("coarse spline: max error %.4f px, mean %.4f px (field up to %.2f px)\n",
              max_error * side / 2, mean_error * side / 2,
              dense.abs().max().item<double>() * side / 2);
  EXPECT_LT(max_error * side / 2, 1.0);
  EXPECT_LT(mean_error * side / 2, 0.03);
}

TEST(Augment, ColorStatsAreTheFaceRegionsMeanAndSpread) {
  FaceSet set = testing::PatternFaces("flat", 2, 64, 1);
  std::fill(set.pixels.begin(), set.pixels.end(), 51);  // 0.2 everywhere, std 0
  Augmenter aug(set, AugmentOptions{});
  const auto& stats = aug.color_stats();
  ASSERT_EQ(stats.sizes(), torch::IntArrayRef({2, 6}));
  EXPECT_NEAR(stats.narrow(1, 0, 3).mean().item<float>(), 0.2f, 1e-4);
  EXPECT_LT(stats.narrow(1, 3, 3).max().item<float>(), 1e-3f);
  EXPECT_THROW(aug.SetColorPool(torch::zeros({3, 4})), FatalError);
}

TEST(BatchFeeder, ReproducibleBackgroundBatches) {
  auto aug = std::make_shared<const Augmenter>(Faces(), AugmentOptions{});
  std::vector<torch::Tensor> first;
  {
    BatchFeeder feeder(aug, 4, 123, 2);
    for (int i = 0; i < 3; ++i) first.push_back(feeder.Next().input);
  }
  BatchFeeder feeder(aug, 4, 123, 2);
  for (int i = 0; i < 3; ++i) {
    auto b = feeder.Next();
    EXPECT_EQ(b.input.sizes(), torch::IntArrayRef({4, 3, 64, 64}));
    EXPECT_TRUE(torch::equal(b.input, first[i])) << "batch " << i;
  }
  BatchFeeder other(aug, 4, 124, 2);
  EXPECT_FALSE(torch::equal(other.Next().input, first[0]));
}

}  // namespace
}  // namespace faceswap
