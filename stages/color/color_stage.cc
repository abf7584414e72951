#include "stages/color/color_stage.h"

#include <opencv2/imgproc.hpp>

#include "base/check.h"

namespace faceswap {
namespace {

struct ColorOptions : StageOptions {
  double strength = 1.0;  // Blend between the generated colours (0) and the matched ones (1).
  void Bind(OptionBinder& b) override {
    b.Add("color-strength", &strength,
          "How far to move the face's colours toward the frame's (0-1)");
  }
  std::string Check() const override {
    return OptionCheck().Range("color-strength", strength, 0.0, 1.0).Error();
  }
};

class ColorStage : public SwappedFaceStage {
 public:
  ColorStage(ColorMethod method, const ColorOptions& o) : method_(method), options_(o) {}

 protected:
  void ProcessFace(Frame& frame, Face& face, int) override {
    cv::Mat reference;
    cv::warpAffine(frame.image, reference, cv::Mat(face.frame_to_swapped), face.swapped.size(),
                   cv::INTER_AREA, cv::BORDER_REPLICATE);
    cv::Mat matched = face.swapped.clone();
    MatchColor(method_, matched, reference, face.mask);
    cv::addWeighted(matched, options_.strength, face.swapped, 1.0 - options_.strength, 0,
                    face.swapped);
  }

 private:
  ColorMethod method_;
  ColorOptions options_;
};

}  // namespace

StageInfo ColorStageInfo(ColorMethod method, const std::string& description) {
  static const char* kNames[] = {"none", "avg", "reinhard", "hist-match"};
  StageInfo info;
  info.name = std::string("color/") + kNames[static_cast<int>(method)];
  info.description = description;
  info.parallel = true;
  info.default_options = [] { return std::make_unique<ColorOptions>(); };
  info.create = [method](const StageOptions& o) -> std::unique_ptr<Stage> {
    return std::make_unique<ColorStage>(method, dynamic_cast<const ColorOptions&>(o));
  };
  return info;
}

}  // namespace faceswap
