#include "stages/sharpen/sharpen_stage.h"

#include <opencv2/imgproc.hpp>

#include "base/check.h"

namespace faceswap {
namespace {

struct UnsharpOptions : StageOptions {
  double amount = 0.6;   // Weight of the detail added back.
  double radius = 0.01;  // Gaussian sigma as a fraction of the face size.
  void Bind(OptionBinder& b) override {
    b.Add("sharpen-amount", &amount, "Unsharp mask strength");
    b.Add("sharpen-radius", &radius, "Unsharp blur sigma as a fraction of the face size");
  }
  std::string Check() const override {
    return OptionCheck()
        .Range("sharpen-amount", amount, 0.0, 5.0)
        .Range("sharpen-radius", radius, 0.001, 0.2)
        .Error();
  }
};

class UnsharpStage : public SwappedFaceStage {
 public:
  explicit UnsharpStage(const UnsharpOptions& o) : o_(o) {}

 protected:
  void ProcessFace(Frame&, Face& face, int) override {
    cv::Mat blurred;
    const double sigma = std::max(0.5, o_.radius * face.swapped.cols);
    cv::GaussianBlur(face.swapped, blurred, {0, 0}, sigma);
    cv::addWeighted(face.swapped, 1.0 + o_.amount, blurred, -o_.amount, 0, face.swapped);
  }

 private:
  UnsharpOptions o_;
};

class NoSharpenStage : public Stage {
 public:
  void Process(FrameBatch&) override {}
};

}  // namespace

StageInfo SharpenStageInfo(bool unsharp, const std::string& description) {
  StageInfo info;
  info.name = unsharp ? "sharpen/unsharp" : "sharpen/none";
  info.description = description;
  info.parallel = true;
  if (unsharp) {
    info.default_options = [] { return std::make_unique<UnsharpOptions>(); };
    info.create = [](const StageOptions& o) -> std::unique_ptr<Stage> {
      return std::make_unique<UnsharpStage>(dynamic_cast<const UnsharpOptions&>(o));
    };
  } else {
    info.default_options = [] { return std::make_unique<StageOptions>(); };
    info.create = [](const StageOptions&) -> std::unique_ptr<Stage> {
      return std::make_unique<NoSharpenStage>();
    };
  }
  return info;
}

}  // namespace faceswap
