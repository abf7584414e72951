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
    DetectInBatch(batch, options_, options_.DetectionScale(kDlibHogMinFace),
                  [this](const cv::Mat& gray) {
                    const dlib::cv_image<unsigned char> image(gray);
                    std::vector<dlib::rect_detection> found;
                    detector_(image, found, options_.threshold);
                    std::vector<Face> faces;
                    for (const auto& d : found) {
                      Face face;
                      face.box = cv::Rect2f(
                          static_cast<float>(d.rect.left()), static_cast<float>(d.rect.top()),
                          static_cast<float>(d.rect.width()), static_cast<float>(d.rect.height()));
                      face.score = static_cast<float>(d.detection_confidence);
                      faces.push_back(std::move(face));
                    }
                    return faces;
                  });
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
