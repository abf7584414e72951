// Training of the shared-encoder autoencoder on two or more identities (torch-free header).
//
//   Trainer trainer(model_dir, options, {faces_a, faces_b});   // creates or resumes
//   while (...) { StepResult r = trainer.Step(); ... }
//   trainer.Save();
//
// One step = one batch per identity through the shared encoder at once (joint step), one
// Adam over all weights; batches come from background threads (models/batch_feeder.h).
// Non-finite losses never reach disk: the step is dropped and the last checkpoint reloaded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/face_set.h"
#include "models/model_config.h"
#include "models/train_options.h"

namespace faceswap {

struct StepResult {
  int64_t iteration = 0;      // Iterations done after this step.
  std::vector<double> loss;   // Per identity (this step).
  bool rolled_back = false;   // Loss was NaN/Inf: model reloaded from the last checkpoint.
  std::string message;        // Set when rolled back (what happened, for the log).
};

// An image in memory: height x width x 3, uint8, channel order of the input faces.
struct Image {
  int height = 0, width = 0;
  std::vector<uint8_t> pixels;
};

class Trainer {
 public:
  // Creates a new model in `model_dir` (and saves iteration 0), or resumes the one there: its
  // architecture, mask branch, coverage and identity names must match (FatalError otherwise).
  Trainer(const std::string& model_dir, const TrainOptions& options,
          const std::vector<FaceSet>& identities);
  ~Trainer();

  StepResult Step();
  // Saves a checkpoint; returns false (and rolls back) when the weights are not finite.
  bool Save();

  int64_t iteration() const;
  bool resumed() const;
  const ModelInfo& info() const;
  std::string device() const;     // "cpu" or "cuda:0"
  std::string precision() const;  // "fp32" or "bf16"
  std::string precision_reason() const;  // Why (CPU features found).
  // Loss history: rows of (iteration, loss per identity).
  const std::vector<std::vector<double>>& history() const;
  // Seconds the training thread waited on the batch feeders.
  double feeder_wait_seconds() const;

  // Grid: for each identity a block of rows (input, reconstruction, swap to each other
  // identity) with `columns` faces spread over its set, no augmentation.
  Image Preview(int columns);
  // Mean SSIM (11x11 Gaussian) between `faces` (centred coverage crop) and their reconstruction
  // through decoder `identity`.
  double EvaluateSsim(const FaceSet& faces, int identity);

  // Benchmark hook: from now on every step reuses the last prepared batches (measures the
  // step without the data pipeline).
  void UseFixedBatchesForBenchmark();
  // Test hook: sets one encoder weight to NaN, as a diverged step would.
  void PoisonWeightsForTest();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Factor on the learning rate at step `iteration` (0-based, counted from the model's creation)
// with a linear warm-up over `warmup` iterations: (iteration + 1) / warmup, then 1.
double LearningRateScale(int64_t iteration, int64_t warmup);

// True when this CPU has bf16 matrix instructions (AMX-BF16 or AVX512-BF16); `features`
// receives the ones found.
bool CpuHasBf16(std::string* features, bool* has_amx);

}  // namespace faceswap
