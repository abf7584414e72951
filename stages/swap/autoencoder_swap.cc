#include "stages/swap/autoencoder_swap.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

#include "base/check.h"
#include "base/device_choice.h"
#include "models/swap_model.h"

namespace faceswap {

void AutoencoderSwapOptions::Bind(OptionBinder& binder) {
  binder.Add("model", &model, "Model folder written by faceswap train");
  binder.Add("to", &to, "Identity whose decoder renders the faces");
  binder.Add("device", &device, "auto (CUDA when available), cpu or cuda");
  binder.Add("seed", &seed, "Random seed (reproducible runs)");
  binder.Add("max-output", &max_output,
             "Largest side of the rendered face before blending, in pixels (64-2048)");
}

std::string AutoencoderSwapOptions::Check() const {
  return OptionCheck()
      .That(!model.empty(), "option 'model' is empty: expected a model folder")
      .That(!to.empty(), "option 'to' is empty: expected an identity of the model")
      .OneOf("device", device, DeviceChoices())
      .Range("max-output", max_output, 64, 2048)
      .Error();
}

namespace {

class AutoencoderSwapStage : public Stage {
 public:
  explicit AutoencoderSwapStage(const AutoencoderSwapOptions& o)
      : options_(o), model_(SwapModel::Load(o.model, o.device, o.seed)) {
    to_ = model_->IdentityIndex(o.to);
    const ModelInfo& info = model_->info();
    spdlog::info("model {}: {} {} px, identities {}, iteration {}, device {}", o.model,
                 info.architecture, info.input_size, Join(info.identities), info.iteration,
                 model_->device());
  }

  void Process(FrameBatch& batch) override {
    const ModelInfo& info = model_->info();
    const int s = info.input_size;
    const int aligned = options_.convention.size;
    // Aligned px -> model px: the centred coverage square, scaled to the model's input.
    const double side = info.coverage * aligned;
    const double k = s / side;
    const double offset = (aligned - side) / 2.0;
    const cv::Matx33d aligned_to_model(k, 0, -k * offset, 0, k, -k * offset, 0, 0, 1);

    std::vector<Face*> faces;
    std::vector<cv::Matx23d> to_model;
    cv::Mat crops;  // n*s rows of s x 3 bytes.
    ForEachFrame(batch, [&](Frame& frame) {
      for (auto& face : frame.faces) {
        if (face.landmarks.size() != 68) continue;
        face.frame_to_aligned = FrameToAligned(face.landmarks, options_.convention);
        const cv::Matx33d a(face.frame_to_aligned(0, 0), face.frame_to_aligned(0, 1),
                            face.frame_to_aligned(0, 2), face.frame_to_aligned(1, 0),
                            face.frame_to_aligned(1, 1), face.frame_to_aligned(1, 2), 0, 0, 1);
        const cv::Matx33d m = aligned_to_model * a;
        const cv::Matx23d frame_to_model(m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2));
        // Same route as the training data: aligned crop (bilinear, as extract writes it),
        // then the coverage square scaled to the input with an area filter (as the trainer
        // pre-scales faces).
        const cv::Mat aligned_face = WarpToAligned(frame.image, face.frame_to_aligned, aligned);
        cv::Mat crop;
        const int x0 = static_cast<int>(std::lround(offset));
        const int w = static_cast<int>(std::lround(side));
        cv::resize(aligned_face(cv::Rect(x0, x0, w, w)), crop, {s, s}, 0, 0, cv::INTER_AREA);
        crops.push_back(crop.reshape(1, s));
        faces.push_back(&face);
        to_model.push_back(frame_to_model);
      }
    });
    if (faces.empty()) return;
    const int n = static_cast<int>(faces.size());
    cv::Mat out(n * s, s, CV_8UC3);
    std::vector<float> masks(info.mask_output ? static_cast<size_t>(n) * s * s : 0);
    model_->Swap(crops.data, n, to_, out.data, masks.empty() ? nullptr : masks.data());

    for (int i = 0; i < n; ++i) {
      Face& face = *faces[i];
      // Output side: the coverage square's size in the frame, within [s, max_output].
      const cv::Matx23d& a = face.frame_to_aligned;
      const double frame_scale = std::sqrt(std::abs(a(0, 0) * a(1, 1) - a(0, 1) * a(1, 0)));
      const int size = std::clamp(static_cast<int>(std::lround(side / frame_scale)), s,
                                  options_.max_output);
      const double up = static_cast<double>(size) / s;
      cv::resize(out.rowRange(i * s, (i + 1) * s), face.swapped, {size, size}, 0, 0,
                 cv::INTER_CUBIC);
      face.frame_to_swapped = to_model[i] * up;
      if (!masks.empty()) {
        cv::Mat m(s, s, CV_32FC1, masks.data() + static_cast<size_t>(i) * s * s);
        cv::resize(m, face.mask, {size, size}, 0, 0, cv::INTER_LINEAR);
      }
    }
  }

 private:
  AutoencoderSwapOptions options_;
  std::unique_ptr<SwapModel> model_;
  int to_ = 0;
};

}  // namespace

StageInfo AutoencoderSwapInfo() {
  return MakeStageInfo<AutoencoderSwapStage, AutoencoderSwapOptions>(
      "swap/autoencoder", "Shared encoder + target identity's decoder (a faceswap train model)",
      false);
}

}  // namespace faceswap
