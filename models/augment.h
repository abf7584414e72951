// Training-sample preparation with tensor ops (no image library): coverage crop, random
// similarity transform and flip, a smooth random warp (or a warp to another identity's
// landmarks) of the INPUT only (the target is the unwarped face), colour jitter. Includes <torch/torch.h>.
#pragma once

#include <string>

#include <torch/torch.h>

#include "models/face_set.h"
#include "models/train_options.h"

namespace faceswap {

// The network's view of one batch: float32 N x C x S x S in [0, 1].
struct TrainingBatch {
  torch::Tensor input;    // Warped face (the denoising autoencoder's input).
  torch::Tensor target;   // Same transform, no warp.
  torch::Tensor regions;  // N x 2 x S x S: face mask, eye/mouth map (the faces' own from their
                          // landmarks, else a fixed template, see .cc).
};

// Holds one identity's faces pre-scaled once (area filter) to the resolution the crop needs,
// as uint8, and makes batches from them. Thread-compatible: distinct threads may call the
// const methods with their own generators.
class Augmenter {
 public:
  Augmenter(const FaceSet& faces, const AugmentOptions& options);

  int count() const { return static_cast<int>(faces_.size(0)); }
  const AugmentOptions& options() const { return options_; }

  // Random faces with random augmentation, drawn with `generator` (CPU).
  TrainingBatch Random(int batch_size, at::Generator& generator) const;
  // The given faces, centred coverage crop, no augmentation (previews, evaluation).
  TrainingBatch Fixed(const torch::Tensor& indices) const;
  // As Random but for the given faces (tests).
  TrainingBatch Augment(const torch::Tensor& indices, at::Generator& generator) const;

  // Per face: mean and standard deviation of each channel inside the face region (region
  // channel 0 as weights), float32 N x 6 (means, then stds) in [0, 1].
  const torch::Tensor& color_stats() const { return stats_; }
  // The colour statistics (M x 6, as color_stats()) that `color_transfer` recolours faces to:
  // the other identities' faces. Call before the augmenter is shared with threads.
  void SetColorPool(const torch::Tensor& stats);

  // Per face: its 68 landmarks (float N x 68 x 2, FaceSet::landmarks), undefined when the set
  // came without them.
  const torch::Tensor& landmarks() const { return landmarks_; }
  // The landmark sets (M x 68 x 2, as landmarks()) that warp_to_landmarks warps faces toward:
  // the other identities' faces. Each face keeps its nearest ones. Call before sharing.
  void SetLandmarkPool(const torch::Tensor& landmarks);
  // Whether warp_to_landmarks is in effect (the option, this set's and a pool's landmarks).
  bool warps_to_landmarks() const { return options_.warp_to_landmarks && neighbours_.defined(); }

 private:
  // The warp_to_landmarks displacement of each sample's input grid (N x S x S x 2).
  torch::Tensor LandmarkWarp(const torch::Tensor& indices, const torch::Tensor& theta,
                             at::Generator& generator) const;
  // recolor: N x 6 per-channel gain and offset applied before the jitter (undefined = none).
  TrainingBatch Sample(const torch::Tensor& indices, const torch::Tensor& theta,
                       const torch::Tensor& warp, const torch::Tensor& recolor,
                       const torch::Tensor& jitter) const;

  AugmentOptions options_;
  torch::Tensor faces_;    // uint8 N x 3 x R x R, R = output_size / coverage.
  torch::Tensor regions_;  // uint8 N x 2 x R x R (per face), or float 1 x 2 x R x R (template).
  torch::Tensor stats_;    // N x 6, see color_stats().
  torch::Tensor pool_;     // M x 6, see SetColorPool() (undefined: no colour transfer).
  torch::Tensor landmarks_;       // N x 68 x 2, see landmarks().
  torch::Tensor pool_landmarks_;  // M x 68 x 2, see SetLandmarkPool().
  torch::Tensor neighbours_;      // long N x k: each face's nearest pool faces.
};

at::Generator MakeCpuGenerator(uint64_t seed);

// Thin-plate spline through `centres` (n x K x 2) taking `values` (n x K x 2) there,
// evaluated at `points` (n x P x 2): n x P x 2.
torch::Tensor ThinPlateSpline(const torch::Tensor& centres, const torch::Tensor& values,
                              const torch::Tensor& points);
// The spline as a displacement field on a side x side crop whose pixel centres map to source
// coordinates by `theta` (n x 2 x 3, as affine_grid with align_corners=false): n x side x
// side x 2. Evaluated on a coarse grid and upsampled (the spline is smooth; see .cc).
torch::Tensor SplineWarpField(const torch::Tensor& centres, const torch::Tensor& values,
                              const torch::Tensor& theta, int64_t side);

}  // namespace faceswap
