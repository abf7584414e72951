// Options of training (torch-free so tools/ can fill them without compiling LibTorch).
#pragma once

#include <cstdint>
#include <string>

namespace faceswap {

struct AugmentOptions {
  int output_size = 64;           // Side of the network's crop (set from the architecture).
  double coverage = 0.625;        // Centred fraction of the stored aligned face that is used.
  double rotation_degrees = 10;   // Similarity transform: rotation uniform in +-this.
  double scale = 0.05;            // Scale uniform in 1 +- this.
  double shift = 0.05;            // Shift uniform in +- this fraction of the crop.
  bool flip = true;               // Horizontal flip with probability 1/2.
  double warp = 0.06;             // Std of the random warp grid (fraction of the crop half-side).
  // Warp the input so its landmarks move to those of a similar face of another identity (one of
  // the 10 nearest), instead of the random warp (faceswap's -M, "warp to landmarks"): the
  // encoder sees every identity's face shapes. Needs landmarks for every identity's faces.
  // Off: on the hard-case swap benchmark it raised the landmark error (A->B 0.097 -> 0.109).
  bool warp_to_landmarks = false;
  double color = 0.08;            // Brightness/contrast/channel jitter amplitude (0 = off).
  // Probability that a sample is recoloured to the colour statistics (per-channel mean and std
  // inside the face) of a random face of another identity, input and target alike (0 = off).
  // The decoders then learn to render each identity under the others' lighting, so a swap into
  // a warm-lit clip is not pale (measured on the hard case: README "Swap quality").
  double color_transfer = 0.5;

  std::string Check() const;  // "" when valid.
};

struct LossOptions {
  std::string kind = "ssim+mae";  // mae | mse | ssim | ssim+mae | ssim+mse
  // Extra weight of the face region (template mask channel of the target), 0 = off: the pixel
  // weight becomes 1 + face_weight * face + eye_mouth_weight * eyes_and_mouth.
  double face_weight = 0;
  double eye_mouth_weight = 0;     // Extra weight of the eye and mouth regions, 0 = off.
  double mask_weight = 1;          // Weight of the mask branch's MAE (mask models only).

  std::string Check() const;  // "" when valid.
};

struct TrainOptions {
  std::string architecture = "original";  // original | lite | hq (fixed once a model exists)
  // Decoders get a mask branch (fixed once created). On by default: convert's landmark mask is
  // then cut to where the target's decoder renders a face (mask/hull --model-mask), which
  // removed the background streak a wider source face pasted (README "Swap quality").
  bool mask_output = true;
  int batch_size = 16;                    // Faces per identity per iteration.
  // Adam learning rate. 3e-4: on the hard case (README "Swap quality") 10 min of lite training
  // at 5e-5 left the mouth unformed (landmark error 0.119 A->B, jitter 1.23x); 3e-4 (with
  // color_transfer) gave 0.091 and 0.97x.
  double learning_rate = 3e-4;
  // Linear ramp of the learning rate from ~0 to `learning_rate` over this many iterations,
  // counted from the model's creation (a resumed run continues the ramp), 0 = off.
  int64_t lr_warmup = 0;
  double beta1 = 0.5, beta2 = 0.999;      // Adam betas (as faceswap's original model).
  std::string device = "auto";            // auto | cpu | cuda
  std::string precision = "auto";         // auto | fp32 | bf16 (auto: see trainer.cc)
  int64_t seed = -1;                      // >= 0: reproducible run on CPU.
  int keep = 3;                           // Checkpoints kept.
  int queue_depth = 3;                    // Prepared batches buffered per identity.
  AugmentOptions augment;
  LossOptions loss;

  std::string Check() const;  // "" when valid.
};

}  // namespace faceswap
