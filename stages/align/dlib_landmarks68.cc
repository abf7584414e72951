// Compiled with -O2 (and AVX2/FMA where available) even in Debug: dlib's shape predictor
// templates are instantiated here (see stages/CMakeLists.txt).
#include "stages/align/dlib_landmarks68.h"

#include <dlib/image_processing/shape_predictor.h>
#include <dlib/opencv/cv_image.h>
#include <dlib/serialize.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <opencv2/imgproc.hpp>

#include "base/check.h"

namespace faceswap {
namespace {

using Predictor = dlib::shape_predictor;

// Loaded once per process per path; shared read-only.
std::shared_ptr<const Predictor> SharedPredictor(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Predictor>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw FatalError("landmark model '" + path +
                     "' not found: install Debian package libdlib-data (it provides "
                     "shape_predictor_68_face_landmarks.dat) or pass --landmark-model PATH");
  }
  auto predictor = std::make_shared<Predictor>();
  try {
    dlib::deserialize(path) >> *predictor;
  } catch (const std::exception& e) {
    throw FatalError("landmark model '" + path + "' is not a dlib shape predictor file (" +
                     e.what() + ")");
  }
  if (predictor->num_parts() != kNumLandmarks) {
    throw FatalError("landmark model '" + path + "' predicts " +
                     std::to_string(predictor->num_parts()) + " points, expected 68");
  }
  std::shared_ptr<const Predictor> shared = std::move(predictor);
  cache.emplace(path, shared);
  return shared;
}

class DlibLandmarks68 : public Stage {
 public:
  explicit DlibLandmarks68(const DlibLandmarksOptions& options)
      : options_(options),
        convention_(options.Convention()),
        predictor_(SharedPredictor(options.model)) {}

  void Open(StreamFormat& format) override {
    format.face_size = convention_.size;
    format.landmark_model = options_.model;  // filter/faces finds reference faces with it.
    crops_ = format.crops;
  }

  void Process(FrameBatch& batch) override {
    ForEachFrame(batch, [this](Frame& frame) {
      if (frame.image.empty() || frame.faces.empty()) return;
      const dlib::cv_image<dlib::bgr_pixel> image(frame.image);
      for (Face& face : frame.faces) Predict(image, frame.image, face);
    });
  }

 private:
  void Predict(const dlib::cv_image<dlib::bgr_pixel>& image, const cv::Mat& pixels, Face& face) {
    // First from the detector's box, then (options_.passes - 1 times) from the box dlib's HOG
    // detector would have drawn around the last landmarks. The predictor's result depends on
    // its box, and a box found on a coarse rung of the search (stages/detect/face_search.h) or
    // near the previous frame's face sits on a coarser grid than a full-resolution one. On 600
    // frames each of franck.mp4 and the 720p inset clip, landmark jitter (second difference,
    // inter-ocular) was 10.6 / ~11.0 milli-IOD detecting at 1x on every frame, 13.6 / 17.9
    // with the search and one pass, 10.1 / 11.2 with the search and three passes.
    face.landmarks = PredictIn(image, face.box);
    for (int i = 1; i < options_.passes; ++i) {
      face.landmarks = PredictIn(image, HogBoxOf(face.landmarks));
    }
    face.frame_to_aligned = FrameToAligned(face.landmarks, convention_);
    if (crops_) {
      face.aligned = WarpToAligned(pixels, face.frame_to_aligned, convention_.size);
    }
  }

  std::vector<cv::Point2f> PredictIn(const dlib::cv_image<dlib::bgr_pixel>& image,
                                     const cv::Rect2f& box) const {
    // Inverse of the detectors' box convention: width = right - left + 1.
    const long left = std::lround(box.x), top = std::lround(box.y);
    const dlib::rectangle rect(left, top, left + std::lround(box.width) - 1,
                               top + std::lround(box.height) - 1);
    const dlib::full_object_detection shape = (*predictor_)(image, rect);
    std::vector<cv::Point2f> points;
    for (unsigned long i = 0; i < shape.num_parts(); ++i) {
      points.emplace_back(static_cast<float>(shape.part(i).x()),
                          static_cast<float>(shape.part(i).y()));
    }
    return points;
  }

  // The box dlib's HOG detector draws around a face with these landmarks, from the landmarks'
  // bounding box (x, y, w, h): measured on 300 faces of the three sample clips at scale 1,
  // x + 0.012 w, y - 0.096 h, 1.057 w, 0.980 h (sd 0.06, 0.03, 0.09, 0.07).
  static cv::Rect2f HogBoxOf(const std::vector<cv::Point2f>& landmarks) {
    const cv::Rect2f lm = cv::boundingRect(landmarks);
    const float w = std::max(1.f, lm.width), h = std::max(1.f, lm.height);
    return {lm.x + 0.012f * w, lm.y - 0.096f * h, 1.057f * w, 0.980f * h};
  }

  DlibLandmarksOptions options_;
  AlignmentConvention convention_;
  bool crops_ = true;  // StreamFormat::crops: is Face::aligned wanted downstream?
  std::shared_ptr<const Predictor> predictor_;
};

}  // namespace

void DlibLandmarksOptions::Bind(OptionBinder& binder) {
  binder.Add("landmark-model", &model,
             "dlib 68-point shape predictor file (Debian package libdlib-data)");
  binder.Add("size", &size, "Edge of the aligned face crops in pixels");
  binder.Add("landmark-passes", &passes,
             "Landmark fits per face: the first from the detector's box, each next one from the "
             "box the last landmarks imply (steadier landmarks; 1 = dlib's plain result)");
}

std::string DlibLandmarksOptions::Check() const {
  return OptionCheck()
      .That(!model.empty(), "option 'landmark-model' is empty: expected a .dat file")
      .Range("size", size, 16, 4096)
      .Range("landmark-passes", passes, 1, 5)
      .Error();
}

AlignmentConvention DlibLandmarksOptions::Convention() const {
  AlignmentConvention c;
  c.size = size;
  return c;
}

void CheckLandmarkModel(const std::string& path) { SharedPredictor(path); }

StageInfo DlibLandmarks68Info() {
  return MakeStageInfo<DlibLandmarks68, DlibLandmarksOptions>(
      "align/dlib-68", "dlib 68-point landmarks, Umeyama alignment to the mean face",
      /*parallel=*/true);
}

}  // namespace faceswap
