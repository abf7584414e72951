#include "stages/detect/detect_options.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "pipeline/check.h"

namespace faceswap {

void DetectOptions::Bind(OptionBinder& binder) {
  BindCommon(binder);
  BindOwn(binder);
}

void DetectOptions::BindCommon(OptionBinder& binder) {
  binder.Add("min-size", &min_size,
             "Smallest face to find, box edge in frame pixels; also sets the detection scale");
  binder.Add("detect-scale", &scale,
             "Resize frames by this factor before detecting (<1 faster for large faces, >1 "
             "finds small ones); 0 = auto from --min-size");
  binder.Add("threshold", &threshold, "Minimum detector confidence score");
  binder.Add("max-faces", &max_faces, "Keep at most this many faces per frame (0 = all)");
}

std::string DetectOptions::Check() const {
  return OptionCheck()
      .Range("min-size", min_size, 8, 8192)
      .That(scale == 0.0 || (scale >= 0.05 && scale <= 8.0),
            "invalid value " + std::to_string(scale) +
                " for option 'detect-scale': expected 0 (auto) or 0.05 to 8")
      .Range("max-faces", max_faces, 0, 10000)
      .Range("redetect-every", redetect_every, 1, 1000)
      .Error();
}

void DetectOptions::CopyCommon(const DetectOptions& from) {
  min_size = from.min_size;
  scale = from.scale;
  threshold = from.threshold;
  max_faces = from.max_faces;
  redetect_every = from.redetect_every;
}

double DetectOptions::DetectionScale(int native_min_face) const {
  if (scale > 0.0) return scale;
  return std::clamp(static_cast<double>(native_min_face) / min_size, 0.05, 4.0);
}

cv::Mat DetectionImage(const cv::Mat& image, double scale) {
  // Resize before converting when shrinking (less to convert), after when enlarging.
  cv::Mat resized = image, gray;
  if (scale < 1.0) cv::resize(image, resized, cv::Size(), scale, scale, cv::INTER_AREA);
  if (resized.channels() == 3) {
    cv::cvtColor(resized, gray, cv::COLOR_BGR2GRAY);
  } else {
    gray = resized;
  }
  if (scale > 1.0) cv::resize(gray, gray, cv::Size(), scale, scale, cv::INTER_LINEAR);
  return gray;
}

void FinishDetections(std::vector<Face>& faces, double scale, const DetectOptions& options) {
  for (auto& f : faces) {
    f.box = cv::Rect2f(static_cast<float>(f.box.x / scale), static_cast<float>(f.box.y / scale),
                       static_cast<float>(f.box.width / scale),
                       static_cast<float>(f.box.height / scale));
  }
  faces.erase(std::remove_if(faces.begin(), faces.end(),
                             [&](const Face& f) {
                               return std::min(f.box.width, f.box.height) < options.min_size ||
                                      f.score < options.threshold;
                             }),
              faces.end());
  std::stable_sort(faces.begin(), faces.end(),
                   [](const Face& a, const Face& b) { return a.score > b.score; });
  if (options.max_faces > 0 && static_cast<int>(faces.size()) > options.max_faces) {
    faces.resize(options.max_faces);
  }
}

void DetectInBatch(FrameBatch& batch, const DetectOptions& options, double scale,
                   const std::function<std::vector<Face>(const cv::Mat& gray)>& detect) {
  for (size_t k = 0; k < batch.frames.size(); ++k) {
    Frame& frame = batch.frames[k];
    if (frame.passthrough || frame.image.empty()) continue;
    if (options.SkipDetection(k)) {
      frame.faces.clear();
      continue;
    }
    frame.faces = detect(DetectionImage(frame.image, scale));
    FinishDetections(frame.faces, scale, options);
  }
}

}  // namespace faceswap
