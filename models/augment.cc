#include "models/augment.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <ATen/CPUGeneratorImpl.h>

#include "base/check.h"

namespace faceswap {
namespace {

namespace F = torch::nn::functional;

constexpr double kPi = 3.14159265358979323846;

// Uniform in [-1, 1).
torch::Tensor Symmetric(int64_t n, at::Generator& gen) {
  return torch::rand({n}, gen, torch::kFloat32) * 2 - 1;
}

// Face regions of an aligned face, in normalised coordinates of the stored face ([-1, 1]²),
// for faces that came without landmarks (FaceSet::regions empty): a fixed template of where `faceswap extract` puts
// the face oval, eyes and mouth (measured on its 256 px crops of the sample videos); the
// similarity transform moves it with the face. Channel 0: face oval; 1: both eyes and mouth.
torch::Tensor RegionTemplate(int side) {
  auto s = (torch::arange(side, torch::kFloat32) + 0.5) / side * 2 - 1;
  auto u = s.view({1, side});  // x
  auto v = s.view({side, 1});  // y
  auto ellipse = [&](double cx, double cy, double rx, double ry) {
    auto d = (u - cx) * (u - cx) / (rx * rx) + (v - cy) * (v - cy) / (ry * ry);
    return (d <= 1).to(torch::kFloat32);
  };
  auto face = ellipse(0, 0.05, 0.75, 0.9);
  auto features = torch::clamp(ellipse(-0.3, -0.38, 0.17, 0.1) + ellipse(0.3, -0.38, 0.17, 0.1) +
                                   ellipse(0, 0.38, 0.25, 0.12),
                               0, 1);
  return torch::stack({face, features}).unsqueeze(0);
}

// uint8 N x C x H x W -> uint8 N x C x side x side (area filter down, bilinear up).
torch::Tensor Rescale(const torch::Tensor& images, int side) {
  auto out = torch::empty({images.size(0), images.size(1), side, side}, torch::kUInt8);
  constexpr int64_t kChunk = 128;  // Bounded float temporaries.
  for (int64_t start = 0; start < images.size(0); start += kChunk) {
    const int64_t n = std::min<int64_t>(kChunk, images.size(0) - start);
    auto chunk = images.narrow(0, start, n).to(torch::kFloat32);
    if (images.size(2) >= side && images.size(3) >= side) {
      chunk = torch::adaptive_avg_pool2d(chunk, {side, side});
    } else {
      chunk = F::interpolate(chunk, F::InterpolateFuncOptions()
                                        .size(std::vector<int64_t>{side, side})
                                        .mode(torch::kBilinear)
                                        .align_corners(false));
    }
    out.narrow(0, start, n).copy_(chunk.round().clamp(0, 255));
  }
  return out;
}

// Weighted per-channel mean and std of uint8 faces (N x 3 x R x R) with weights in [0, 1]
// (N x 1 x R x R, or 1 x 1 x R x R for all): float N x 6.
torch::Tensor WeightedColorStats(const torch::Tensor& faces, const torch::Tensor& weights) {
  auto out = torch::empty({faces.size(0), 6}, torch::kFloat32);
  constexpr int64_t kChunk = 128;  // Bounded float temporaries.
  for (int64_t start = 0; start < faces.size(0); start += kChunk) {
    const int64_t n = std::min<int64_t>(kChunk, faces.size(0) - start);
    auto x = faces.narrow(0, start, n).to(torch::kFloat32).div_(255);
    auto w = weights.size(0) == 1 ? weights : weights.narrow(0, start, n);
    auto total = w.sum({1, 2, 3}).clamp_min(1e-6).view({-1, 1});  // 1 or n
    auto mean = (x * w).sum({2, 3}) / total;
    auto centred = x - mean.view({n, 3, 1, 1});
    auto var = (centred * centred * w).sum({2, 3}) / total;
    out.narrow(0, start, n).copy_(torch::cat({mean, var.sqrt()}, 1));
  }
  return out;
}

}  // namespace

// Kernel r^2 log r; a small ridge keeps the system solvable when landmarks coincide (a closed
// mouth's inner lip points).
torch::Tensor ThinPlateSpline(const torch::Tensor& centres, const torch::Tensor& values,
                              const torch::Tensor& points) {
  auto kernel = [](const torch::Tensor& a, const torch::Tensor& b) {
    auto d2 = (a.unsqueeze(2) - b.unsqueeze(1)).pow(2).sum(-1);
    return 0.5 * d2 * torch::log(d2.clamp_min(1e-12));  // r^2 log r = r^2 log(r^2) / 2
  };
  const int64_t n = centres.size(0), k = centres.size(1);
  auto affine = torch::cat({torch::ones({n, k, 1}), centres}, 2);  // n x K x 3
  auto system = torch::cat(
      {torch::cat({kernel(centres, centres) + 1e-3 * torch::eye(k).unsqueeze(0), affine}, 2),
       torch::cat({affine.transpose(1, 2), torch::zeros({n, 3, 3})}, 2)},
      1);
  auto coef = at::linalg_solve(system, torch::cat({values, torch::zeros({n, 3, 2})}, 1));
  auto at_points = torch::cat({torch::ones({n, points.size(1), 1}), points}, 2);
  return torch::bmm(kernel(points, centres), coef.narrow(1, 0, k)) +
         torch::bmm(at_points, coef.narrow(1, k, 3));
}

torch::Tensor SplineWarpField(const torch::Tensor& centres, const torch::Tensor& values,
                              const torch::Tensor& theta, int64_t side) {
  // Evaluated on kCoarse^2 points instead of side^2, spanning the crop's outermost pixel
  // centres, then upsampled bicubically onto every pixel centre. Measured on 16 faces at 64 px
  // (tests/models/augment_test.cc's field): dense 550 ms, which halved training's it/s on 2
  // cores; 32^2 points 17 ms, error at most 0.4 px (mean 0.015 px) on a rougher field than
  // landmarks make (16^2: 5.5 ms but 1.3 px).
  const int64_t n = theta.size(0);
  constexpr int64_t kCoarse = 32;
  const int64_t g = std::min(kCoarse, side);
  // affine_grid with align_corners=true puts its corner samples at +-1; the crop's corner
  // pixel centres are at +-(1 - 1/side): scale the linear part so the two meet.
  const double edge = 1.0 - 1.0 / static_cast<double>(side);
  auto coarse_theta = theta.clone();
  coarse_theta.narrow(2, 0, 2).mul_(edge);
  auto grid = F::affine_grid(coarse_theta, {n, 3, g, g}, /*align_corners=*/true);
  auto coarse = ThinPlateSpline(centres, values, grid.view({n, g * g, 2})).view({n, g, g, 2});
  return F::interpolate(coarse.permute({0, 3, 1, 2}),
                        F::InterpolateFuncOptions()
                            .size(std::vector<int64_t>{side, side})
                            .mode(torch::kBicubic)
                            .align_corners(true))
      .permute({0, 2, 3, 1});
}

at::Generator MakeCpuGenerator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

Augmenter::Augmenter(const FaceSet& set, const AugmentOptions& options) : options_(options) {
  if (auto error = set.Check(); !error.empty()) throw FatalError(error);
  if (auto error = options.Check(); !error.empty()) throw FatalError(error);
  // Pre-scale so the crop is output_size px: sampling then needs no anti-aliasing.
  const int side = static_cast<int>(std::ceil(options.output_size / options.coverage));
  auto all = torch::from_blob(const_cast<uint8_t*>(set.pixels.data()),
                              {set.count, set.height, set.width, 3}, torch::kUInt8);
  faces_ = Rescale(all.permute({0, 3, 1, 2}), side);
  if (set.regions.empty()) {
    regions_ = RegionTemplate(side);
  } else {
    regions_ = Rescale(torch::from_blob(const_cast<uint8_t*>(set.regions.data()),
                                        {set.count, 2, set.height, set.width}, torch::kUInt8),
                       side);
  }
  if (!set.landmarks.empty()) {
    landmarks_ = torch::from_blob(const_cast<float*>(set.landmarks.data()), {set.count, 68, 2},
                                  torch::kFloat32)
                     .clone();
  }
  stats_ = WeightedColorStats(faces_, regions_.scalar_type() == torch::kUInt8
                                          ? regions_.narrow(1, 0, 1).to(torch::kFloat32).div(255)
                                          : regions_.narrow(1, 0, 1));
}

void Augmenter::SetColorPool(const torch::Tensor& stats) {
  if (stats.dim() != 2 || stats.size(1) != 6 || stats.size(0) == 0) {
    throw FatalError("colour pool must be M x 6 colour statistics with M > 0");
  }
  pool_ = stats.to(torch::kFloat32).contiguous();
}

void Augmenter::SetLandmarkPool(const torch::Tensor& landmarks) {
  if (landmarks.dim() != 3 || landmarks.size(1) != 68 || landmarks.size(2) != 2 ||
      landmarks.size(0) == 0) {
    throw FatalError("landmark pool must be M x 68 x 2 landmarks with M > 0");
  }
  if (!landmarks_.defined()) return;  // This set has none: the random warp stays.
  pool_landmarks_ = landmarks.to(torch::kFloat32).contiguous();
  // As faceswap: each face warps toward one of the 10 pool faces closest in landmark space, so
  // the displacement is a plausible change of face shape, not an arbitrary deformation.
  const int64_t k = std::min<int64_t>(10, pool_landmarks_.size(0));
  auto distances = torch::cdist(landmarks_.flatten(1), pool_landmarks_.flatten(1));
  neighbours_ = std::get<1>(distances.topk(k, 1, /*largest=*/false)).contiguous();
}

torch::Tensor Augmenter::LandmarkWarp(const torch::Tensor& indices, const torch::Tensor& theta,
                                      at::Generator& gen) const {
  const int64_t n = indices.size(0), side = options_.output_size;
  auto choice = torch::randint(neighbours_.size(1), {n, 1}, gen, torch::kLong);
  auto pick = neighbours_.index_select(0, indices).gather(1, choice).view({n});
  auto own = landmarks_.index_select(0, indices);
  auto other = pool_landmarks_.index_select(0, pick);
  // The input shows the face with its landmarks at the other face's positions: at an output
  // point on other[i] it samples the source at own[i]. The crop's corners and edge midpoints
  // stay put.
  static const float kAnchors[8][2] = {{-1, -1}, {0, -1}, {1, -1}, {-1, 0},
                                       {1, 0},   {-1, 1}, {0, 1},  {1, 1}};
  auto anchors = torch::from_blob(const_cast<float*>(&kAnchors[0][0]), {1, 8, 2}, torch::kFloat32)
                     .expand({n, 8, 2});
  auto centres = torch::cat({other, anchors}, 1);
  auto values = torch::cat({own - other, torch::zeros({n, 8, 2})}, 1);
  // The grid holds source coordinates: the displacement is a function of those.
  return SplineWarpField(centres, values, theta, side);
}

TrainingBatch Augmenter::Random(int batch_size, at::Generator& generator) const {
  auto indices = torch::randint(count(), {batch_size}, generator, torch::kLong);
  return Augment(indices, generator);
}

TrainingBatch Augmenter::Augment(const torch::Tensor& indices, at::Generator& gen) const {
  const int64_t n = indices.size(0);
  const auto& o = options_;
  // theta maps output coords to source coords (both normalised to [-1, 1]).
  auto angle = Symmetric(n, gen) * (o.rotation_degrees * kPi / 180);
  auto scale = (1 + Symmetric(n, gen) * o.scale) * o.coverage;
  auto flip = o.flip ? 1 - 2 * (torch::rand({n}, gen) < 0.5).to(torch::kFloat32)
                     : torch::ones({n});
  auto tx = Symmetric(n, gen) * (2 * o.shift * o.coverage);
  auto ty = Symmetric(n, gen) * (2 * o.shift * o.coverage);
  auto c = torch::cos(angle) * scale, s = torch::sin(angle) * scale;
  auto theta = torch::stack({torch::stack({c * flip, -s, tx}, 1),
                             torch::stack({s * flip, c, ty}, 1)},
                            1);
  // Smooth random warp: 5x5 Gaussian displacements upsampled bicubically to the crop.
  torch::Tensor warp;
  if (warps_to_landmarks()) {
    warp = LandmarkWarp(indices, theta, gen);
  } else if (o.warp > 0) {
    auto coarse = torch::randn({n, 2, 5, 5}, gen, torch::kFloat32) * (o.warp * o.coverage);
    warp = F::interpolate(coarse, F::InterpolateFuncOptions()
                                      .size(std::vector<int64_t>{o.output_size, o.output_size})
                                      .mode(torch::kBicubic)
                                      .align_corners(true))
               .permute({0, 2, 3, 1});
  }
  torch::Tensor jitter;
  if (o.color > 0) {  // brightness, contrast, per-channel shift
    jitter = torch::cat({Symmetric(n, gen).view({n, 1}) * o.color,
                         Symmetric(n, gen).view({n, 1}) * o.color,
                         torch::rand({n, 3}, gen) * o.color - o.color / 2},
                        1);
  }
  // Colour transfer (as DeepFaceLab's random colour transfer, reduced to channel statistics):
  // the chosen samples get another identity's face's mean and std inside the face. The gain
  // is clamped so a near-flat channel never gets amplified into noise.
  torch::Tensor recolor;
  if (o.color_transfer > 0 && pool_.defined()) {
    auto chosen = (torch::rand({n}, gen) < o.color_transfer).view({n, 1});
    auto pick = torch::randint(pool_.size(0), {n}, gen, torch::kLong);
    auto own = stats_.index_select(0, indices), other = pool_.index_select(0, pick);
    auto gain = (other.narrow(1, 3, 3) / own.narrow(1, 3, 3).clamp_min(1e-3)).clamp(0.5, 2.0);
    auto offset = other.narrow(1, 0, 3) - own.narrow(1, 0, 3) * gain;
    recolor = torch::cat({torch::where(chosen, gain, torch::ones_like(gain)),
                          torch::where(chosen, offset, torch::zeros_like(offset))},
                         1);
  }
  return Sample(indices, theta, warp, recolor, jitter);
}

TrainingBatch Augmenter::Fixed(const torch::Tensor& indices) const {
  const int64_t n = indices.size(0);
  auto theta = torch::tensor({static_cast<float>(options_.coverage), 0.f, 0.f, 0.f,
                              static_cast<float>(options_.coverage), 0.f})
                   .view({1, 2, 3})
                   .expand({n, 2, 3});
  return Sample(indices, theta, {}, {}, {});
}

TrainingBatch Augmenter::Sample(const torch::Tensor& indices, const torch::Tensor& theta,
                                const torch::Tensor& warp, const torch::Tensor& recolor,
                                const torch::Tensor& jitter) const {
  const int64_t n = indices.size(0);
  const int64_t side = options_.output_size;
  auto source = faces_.index_select(0, indices).to(torch::kFloat32).div_(255);
  auto grid = F::affine_grid(theta, {n, 3, side, side}, /*align_corners=*/false);
  const auto sample = F::GridSampleFuncOptions()
                          .mode(torch::kBilinear)
                          .padding_mode(torch::kBorder)
                          .align_corners(false);
  TrainingBatch batch;
  batch.target = F::grid_sample(source, grid, sample);
  batch.input = warp.defined() ? F::grid_sample(source, grid + warp, sample) : batch.target.clone();
  const auto regions = regions_.scalar_type() == torch::kUInt8
                           ? regions_.index_select(0, indices).to(torch::kFloat32).div_(255)
                           : regions_.expand({n, 2, -1, -1});
  batch.regions = F::grid_sample(regions, grid,
                                 F::GridSampleFuncOptions()
                                     .mode(torch::kBilinear)
                                     .padding_mode(torch::kZeros)
                                     .align_corners(false));
  if (recolor.defined()) {
    auto gain = recolor.narrow(1, 0, 3).view({n, 3, 1, 1});
    auto offset = recolor.narrow(1, 3, 3).view({n, 3, 1, 1});
    batch.target = (batch.target * gain + offset).clamp_(0, 1);
    batch.input = (batch.input * gain + offset).clamp_(0, 1);
  }
  if (jitter.defined()) {
    auto brightness = jitter.narrow(1, 0, 1).view({n, 1, 1, 1});
    auto contrast = 1 + jitter.narrow(1, 1, 1).view({n, 1, 1, 1});
    auto channel = jitter.narrow(1, 2, 3).view({n, 3, 1, 1});
    auto apply = [&](torch::Tensor& x) {
      x = ((x - 0.5) * contrast + 0.5 + brightness + channel).clamp_(0, 1);
    };
    apply(batch.target);
    apply(batch.input);
  }
  return batch;
}

}  // namespace faceswap
