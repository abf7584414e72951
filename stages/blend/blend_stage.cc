#include "stages/blend/blend_stage.h"

namespace faceswap {
namespace {

// Records exactly which pixels of `roi` the blend changed (any channel) in Frame::changed;
// `before` is the ROI's content before blending.
void MarkChanged(Frame& frame, const cv::Mat& before, const cv::Rect& roi) {
  if (roi.empty()) return;
  if (frame.changed.empty()) frame.changed = cv::Mat::zeros(frame.image.size(), CV_8UC1);
  cv::Mat diff;
  cv::absdiff(before, frame.image(roi), diff);
  cv::Mat channels[3];
  cv::split(diff, channels);
  cv::Mat any = (channels[0] | channels[1] | channels[2]) > 0;
  cv::Mat dst = frame.changed(roi);
  dst |= any;
}

class BlendStage : public SwappedFaceStage {
 public:
  explicit BlendStage(BlendMethod method) : method_(method) {}

 protected:
  void ProcessFace(Frame& frame, Face& face, int) override {
    cv::Mat mask = face.mask;
    if (mask.empty()) mask = cv::Mat(face.swapped.size(), CV_32FC1, cv::Scalar(1.0));
    const cv::Rect roi =
        FaceBoxInFrame(face.frame_to_swapped, face.swapped.size(), frame.image.size());
    const cv::Mat before = frame.image(roi).clone();  // Only the box can change.
    BlendFace(method_, frame.image, face.swapped, mask, face.frame_to_swapped);
    MarkChanged(frame, before, roi);
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
