// Training-sample preparation with tensor ops (no image library): coverage crop, random
// similarity transform and flip, a smooth random warp of the INPUT only (the target is the
// unwarped face), colour jitter. Includes <torch/torch.h>.
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

 private:
  TrainingBatch Sample(const torch::Tensor& indices, const torch::Tensor& theta,
                       const torch::Tensor& warp, const torch::Tensor& jitter) const;

  AugmentOptions options_;
  torch::Tensor faces_;    // uint8 N x 3 x R x R, R = output_size / coverage.
  torch::Tensor regions_;  // uint8 N x 2 x R x R (per face), or float 1 x 2 x R x R (template).
};

at::Generator MakeCpuGenerator(uint64_t seed);

}  // namespace faceswap
