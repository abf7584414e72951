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

#include "pipeline/check.h"

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

  void Open(StreamFormat& format) override { format.face_size = convention_.size; }

  void Process(FrameBatch& batch) override {
    // Box relative to the landmarks' bounding box, per face of the previous frame.
    std::vector<cv::Vec4d> relations;
    const Frame* previous = nullptr;
    for (size_t k = 0; k < batch.frames.size(); ++k) {
      Frame& frame = batch.frames[k];
      if (frame.passthrough || frame.image.empty()) continue;
      const bool tracked = options_.track_every > 1 &&
                           k % static_cast<size_t>(options_.track_every) != 0 && previous;
      if (tracked) {
        frame.faces.clear();
        for (size_t i = 0; i < previous->faces.size(); ++i) {
          const Face& prev = previous->faces[i];
          if (prev.landmarks.size() != kNumLandmarks) continue;
          Face face;
          face.box = ApplyRelation(relations[i], cv::boundingRect(prev.landmarks));
          face.score = prev.score;
          face.identity = prev.identity;
          frame.faces.push_back(face);
        }
      }
      std::vector<cv::Vec4d> next;
      if (!frame.faces.empty()) {
        const dlib::cv_image<dlib::bgr_pixel> image(frame.image);
        for (size_t i = 0; i < frame.faces.size(); ++i) {
          Face& face = frame.faces[i];
          if (face.status != FaceStatus::kOk) {
            next.emplace_back();
            continue;
          }
          Predict(image, frame.image, face);
          next.push_back(tracked ? relations[i] : Relation(face));
        }
      }
      relations = std::move(next);
      previous = &frame;
    }
  }

 private:
  void Predict(const dlib::cv_image<dlib::bgr_pixel>& image, const cv::Mat& pixels, Face& face) {
    // Inverse of the detectors' box convention: width = right - left + 1.
    const long left = std::lround(face.box.x), top = std::lround(face.box.y);
    const dlib::rectangle rect(left, top, left + std::lround(face.box.width) - 1,
                               top + std::lround(face.box.height) - 1);
    const dlib::full_object_detection shape = (*predictor_)(image, rect);
    face.landmarks.clear();
    for (unsigned long i = 0; i < shape.num_parts(); ++i) {
      face.landmarks.emplace_back(static_cast<float>(shape.part(i).x()),
                                  static_cast<float>(shape.part(i).y()));
    }
    face.frame_to_aligned = FrameToAligned(face.landmarks, convention_);
    if (options_.crops) {
      face.aligned = WarpToAligned(pixels, face.frame_to_aligned, convention_.size);
    }
  }

  // (dx, dy, sx, sy): box = landmark bbox shifted by (dx, dy) x its size, scaled by (sx, sy).
  static cv::Vec4d Relation(const Face& face) {
    const cv::Rect2f lm = cv::boundingRect(face.landmarks);
    const double w = std::max(1.f, lm.width), h = std::max(1.f, lm.height);
    return {(face.box.x - lm.x) / w, (face.box.y - lm.y) / h, face.box.width / w,
            face.box.height / h};
  }
  static cv::Rect2f ApplyRelation(const cv::Vec4d& r, const cv::Rect& lm) {
    const double w = std::max(1, lm.width), h = std::max(1, lm.height);
    return cv::Rect2f(static_cast<float>(lm.x + r[0] * w), static_cast<float>(lm.y + r[1] * h),
                      static_cast<float>(r[2] * w), static_cast<float>(r[3] * h));
  }

  DlibLandmarksOptions options_;
  AlignmentConvention convention_;
  std::shared_ptr<const Predictor> predictor_;
};

}  // namespace

void DlibLandmarksOptions::Bind(OptionBinder& binder) {
  binder.Add("landmark-model", &model,
             "dlib 68-point shape predictor file (Debian package libdlib-data)");
  binder.Add("size", &size, "Edge of the aligned face crops in pixels");
}

std::string DlibLandmarksOptions::Check() const {
  return OptionCheck()
      .That(!model.empty(), "option 'landmark-model' is empty: expected a .dat file")
      .Range("size", size, 16, 4096)
      .Range("track-every", track_every, 1, 1000)
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
