// Compiled with -O2 (and AVX2/FMA where available) even in Debug: dlib's HOG templates are
// instantiated here and run ~47x slower at -O0 (see stages/CMakeLists.txt).
#include "stages/detect/dlib_hog.h"

#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv/cv_image.h>

#include "stages/detect/dlib_detections.h"
#include "stages/detect/face_search.h"

namespace faceswap {
namespace {

using HogDetector = dlib::frontal_face_detector;

// Pyramid levels (each 5/6 of the previous) that cover one rung of the search ladder: faces
// from the window size to a little over twice it.
constexpr unsigned long kBandLevels = 5;

// dlib's detector restricted to the first `levels` pyramid levels (same weights).
HogDetector LimitedDetector(const HogDetector& full, unsigned long levels) {
  HogDetector::image_scanner_type scanner;  // Not copyable: copy its configuration.
  scanner.copy_configuration(full.get_scanner());
  scanner.set_max_pyramid_levels(levels);
  std::vector<HogDetector::feature_vector_type> weights;
  for (unsigned long i = 0; i < full.num_detectors(); ++i) weights.push_back(full.get_w(i));
  return HogDetector(scanner, full.get_overlap_tester(), weights);
}

// Built once per process (~0.25 s), copied per worker.
const HogDetector& SharedDetector() {
  static const HogDetector detector = dlib::get_frontal_face_detector();
  return detector;
}
const HogDetector& SharedBandDetector() {
  static const HogDetector detector = LimitedDetector(SharedDetector(), kBandLevels);
  return detector;
}

class DlibHogDetector : public Stage {
 public:
  explicit DlibHogDetector(const DlibHogOptions& options)
      : options_(options),
        search_(options, kDlibHogMinFace),
        detector_(SharedDetector()),
        band_detector_(SharedBandDetector()) {}

  void Open(StreamFormat& format) override { search_.Open(format); }

  void Process(FrameBatch& batch) override {
    search_.Process(batch, [this](const cv::Mat& gray, bool band) {
      const dlib::cv_image<unsigned char> image(gray);
      std::vector<dlib::rect_detection> found;
      (band ? band_detector_ : detector_)(image, found, options_.threshold);
      return FacesFromDlib(found);
    });
  }

 private:
  DlibHogOptions options_;
  FaceSearch search_;
  HogDetector detector_;
  HogDetector band_detector_;
};

}  // namespace

StageInfo DlibHogDetectorInfo() {
  return MakeStageInfo<DlibHogDetector, DlibHogOptions>(
      "detect/dlib-hog",
      "dlib's frontal HOG face detector (default; upright faces from ~40 px, any size above)",
      /*parallel=*/true);
}

}  // namespace faceswap
