// Compiled with -O2 (and AVX2/FMA where available) even in Debug: dlib's HOG templates are
// instantiated here and run ~47x slower at -O0 (see stages/CMakeLists.txt).
#include "stages/detect/dlib_hog.h"

#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv/cv_image.h>

namespace faceswap {
namespace {

using HogDetector = dlib::frontal_face_detector;

// Built once per process, copied per worker.
const HogDetector& SharedDetector() {
  static const HogDetector detector = dlib::get_frontal_face_detector();
  return detector;
}

class DlibHogDetector : public Stage {
 public:
  explicit DlibHogDetector(const DlibHogOptions& options)
      : options_(options), detector_(SharedDetector()) {}

  void Process(FrameBatch& batch) override {
    const double scale = options_.DetectionScale(kDlibHogMinFace);
    for (size_t k = 0; k < batch.frames.size(); ++k) {
      Frame& frame = batch.frames[k];
      if (frame.passthrough || frame.image.empty()) continue;
      if (options_.SkipDetection(k)) {
        frame.faces.clear();
        continue;
      }
      const cv::Mat gray = DetectionImage(frame.image, scale);
      const dlib::cv_image<unsigned char> image(gray);
      std::vector<dlib::rect_detection> found;
      detector_(image, found, options_.threshold);
      frame.faces.clear();
      for (const auto& d : found) {
        Face face;
        face.box =
            cv::Rect2f(static_cast<float>(d.rect.left()), static_cast<float>(d.rect.top()),
                       static_cast<float>(d.rect.width()), static_cast<float>(d.rect.height()));
        face.score = static_cast<float>(d.detection_confidence);
        frame.faces.push_back(std::move(face));
      }
      FinishDetections(frame.faces, scale, options_);
    }
  }

 private:
  DlibHogOptions options_;
  HogDetector detector_;
};

}  // namespace

StageInfo DlibHogDetectorInfo() {
  return MakeStageInfo<DlibHogDetector, DlibHogOptions>(
      "detect/dlib-hog", "dlib's frontal HOG face detector (faces >= ~80 px at detection scale)",
      /*parallel=*/true);
}

}  // namespace faceswap
