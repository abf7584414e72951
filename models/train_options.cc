#include "models/train_options.h"

#include "base/check.h"
#include "base/device_choice.h"

namespace faceswap {
std::string AugmentOptions::Check() const {
  return OptionCheck()
      .Range("size", output_size, 16, 1024)
      .Range("coverage", coverage, 0.1, 1.0)
      .Range("rotation", rotation_degrees, 0.0, 180.0)
      .Range("scale", scale, 0.0, 0.5)
      .Range("shift", shift, 0.0, 0.5)
      .Range("warp", warp, 0.0, 0.5)
      .Range("color", color, 0.0, 0.5)
      .Range("color-transfer", color_transfer, 0.0, 1.0)
      .Error();
}

std::string LossOptions::Check() const {
  return OptionCheck()
      .OneOf("loss", kind, {"mae", "mse", "ssim", "ssim+mae", "ssim+mse"})
      .Range("face-weight", face_weight, 0.0, 100.0)
      .Range("eye-mouth-weight", eye_mouth_weight, 0.0, 100.0)
      .Range("mask-weight", mask_weight, 0.0, 100.0)
      .Error();
}

std::string TrainOptions::Check() const {
  std::string e = OptionCheck()
                      .OneOf("model", architecture, {"original", "lite", "hq"})
                      .OneOf("device", device, DeviceChoices())
                      .OneOf("precision", precision, {"auto", "fp32", "bf16"})
                      .Range("batch-size", batch_size, 1, 4096)
                      .Range("lr", learning_rate, 1e-9, 1.0)
                      .Range("lr-warmup", lr_warmup, int64_t{0}, int64_t{100000000})
                      .Range("beta1", beta1, 0.0, 0.9999)
                      .Range("beta2", beta2, 0.0, 0.999999)
                      .Range("keep", keep, 1, 1000)
                      .Range("queue-depth", queue_depth, 1, 64)
                      .Error();
  if (!e.empty()) return e;
  if (e = augment.Check(); !e.empty()) return e;
  return loss.Check();
}

}  // namespace faceswap
