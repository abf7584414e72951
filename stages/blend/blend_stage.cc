#include "stages/blend/blend_stage.h"

namespace faceswap {
namespace {

class BlendStage : public Stage {
 public:
  explicit BlendStage(BlendMethod method) : method_(method) {}
  void Process(FrameBatch& batch) override {
    for (auto& frame : batch.frames) {
      if (frame.passthrough) continue;
      for (auto& face : frame.faces) {
        if (face.swapped.empty()) continue;
        cv::Mat mask = face.mask;
        if (mask.empty()) mask = cv::Mat(face.swapped.size(), CV_32FC1, cv::Scalar(1.0));
        BlendFace(method_, frame.image, face.swapped, mask, face.frame_to_swapped);
      }
    }
  }

 private:
  BlendMethod method_;
};

}  // namespace

StageInfo BlendStageInfo(BlendMethod method, const std::string& description) {
  StageInfo info;
  info.name = method == BlendMethod::kAlpha ? "blend/alpha" : "blend/seamless";
  info.description = description;
  info.parallel = true;
  info.default_options = [] { return std::make_unique<StageOptions>(); };
  info.create = [method](const StageOptions&) -> std::unique_ptr<Stage> {
    return std::make_unique<BlendStage>(method);
  };
  return info;
}

}  // namespace faceswap
