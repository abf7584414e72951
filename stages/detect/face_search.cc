#include "stages/detect/face_search.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace faceswap {
namespace {

// Detection images are kept below this many pixels (an 8K frame is not upscaled 2x).
constexpr double kMaxDetectionPixels = 16e6;
// The coarsest rung sees faces from a third of the frame's short side up.
constexpr double kCoarsestFaceShare = 1.0 / 3.0;
// Around a previous face: the region searched (box edge multiples) and the size the face is
// brought to (native multiples; >1 so a face that shrinks between frames is still found).
constexpr float kNearRegion = 2.4f;
constexpr double kNearFaceSize = 1.3;

float Iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.f;
}

// Faces found at `scale` in an image whose origin is `offset` in the frame -> frame pixels.
void ToFrame(std::vector<Face>& faces, double scale, cv::Point2f offset) {
  for (auto& f : faces) {
    f.box = cv::Rect2f(static_cast<float>(f.box.x / scale) + offset.x,
                       static_cast<float>(f.box.y / scale) + offset.y,
                       static_cast<float>(f.box.width / scale),
                       static_cast<float>(f.box.height / scale));
  }
}

// Keeps the best-scoring of faces that overlap (the same face found twice).
void RemoveDuplicates(std::vector<Face>& faces) {
  std::stable_sort(faces.begin(), faces.end(),
                   [](const Face& a, const Face& b) { return a.score > b.score; });
  std::vector<Face> kept;
  for (auto& f : faces) {
    const bool seen = std::any_of(kept.begin(), kept.end(),
                                  [&](const Face& k) { return Iou(k.box, f.box) > 0.4f; });
    if (!seen) kept.push_back(std::move(f));
  }
  faces = std::move(kept);
}

}  // namespace

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

void FinishDetections(std::vector<Face>& faces, const DetectOptions& options) {
  faces.erase(std::remove_if(faces.begin(), faces.end(),
                             [&](const Face& f) { return f.score < options.threshold; }),
              faces.end());
  std::stable_sort(faces.begin(), faces.end(),
                   [](const Face& a, const Face& b) { return a.score > b.score; });
  if (options.max_faces > 0 && static_cast<int>(faces.size()) > options.max_faces) {
    faces.resize(options.max_faces);
  }
}

FaceSearch::FaceSearch(const DetectOptions& options, int native_min_face)
    : options_(options), native_(native_min_face) {}

void FaceSearch::Open(StreamFormat& format) {
  exhaustive_ = format.stills;
  if (!exhaustive_) {
    format.min_batch_frames = std::max(format.min_batch_frames, options_.redetect_every);
  }
  if (format.width > 0 && format.height > 0) Plan(format.width, format.height);
}

void FaceSearch::Plan(int width, int height) {
  planned_width_ = width;
  planned_height_ = height;
  scales_.clear();
  if (options_.scale > 0) {
    scales_.push_back(options_.scale);
    return;
  }
  const double area = static_cast<double>(width) * height;
  const double finest = std::min(static_cast<double>(native_) / kSmallestFace,
                                 std::sqrt(kMaxDetectionPixels / area));
  // Halve from the finest rung until the coarsest one's smallest face is a third of the frame.
  const double coarsest_face = kCoarsestFaceShare * std::min(width, height);
  std::vector<double> ladder{finest};
  while (native_ / ladder.back() < coarsest_face && ladder.back() / 2 >= 0.02) {
    ladder.push_back(ladder.back() / 2);
  }
  scales_.assign(ladder.rbegin(), ladder.rend());
}

std::vector<Face> FaceSearch::SearchFrame(const cv::Mat& image, const DetectFn& detect) const {
  std::vector<Face> found;
  for (size_t rung = 0; rung < scales_.size(); ++rung) {
    std::vector<Face> faces = detect(DetectionImage(image, scales_[rung]), rung > 0);
    ToFrame(faces, scales_[rung], {0.f, 0.f});
    found.insert(found.end(), faces.begin(), faces.end());
    if (!found.empty() && !exhaustive_) break;
  }
  RemoveDuplicates(found);
  return found;
}

std::vector<Face> FaceSearch::SearchNear(const cv::Mat& image, const std::vector<Face>& previous,
                                         const DetectFn& detect) const {
  const cv::Rect2f frame(0.f, 0.f, static_cast<float>(image.cols), static_cast<float>(image.rows));
  const double finest = scales_.back();
  std::vector<Face> found;
  for (const Face& p : previous) {
    const float edge = std::max(p.box.width, p.box.height);
    const cv::Point2f center = (p.box.tl() + p.box.br()) * 0.5f;
    const float half = 0.5f * kNearRegion * edge;
    const cv::Rect region =
        cv::Rect2f(center.x - half, center.y - half, 2 * half, 2 * half) & frame;
    if (region.width < 8 || region.height < 8) continue;
    const double scale = std::min(finest, kNearFaceSize * native_ / edge);
    std::vector<Face> faces = detect(DetectionImage(image(region), scale), false);
    ToFrame(faces, scale, cv::Point2f(static_cast<float>(region.x), static_cast<float>(region.y)));
    found.insert(found.end(), faces.begin(), faces.end());
  }
  RemoveDuplicates(found);
  return found;
}

void FaceSearch::Process(FrameBatch& batch, const DetectFn& detect) {
  const std::vector<Face>* previous = nullptr;
  int since_search = 0;  // Frames since the last whole-frame search of this batch.
  ForEachFrame(batch, [&](Frame& frame) {
    if (frame.image.empty()) return;
    if (frame.image.cols != planned_width_ || frame.image.rows != planned_height_) {
      // Image folders mix sizes; a plan per size (cheap) keeps the ladder right.
      Plan(frame.image.cols, frame.image.rows);
    }
    const bool due = exhaustive_ || !previous || since_search >= options_.redetect_every;
    std::vector<Face> faces;
    if (due) {
      faces = SearchFrame(frame.image, detect);
      since_search = 0;
    } else if (!previous->empty()) {
      faces = SearchNear(frame.image, *previous, detect);
      if (faces.empty()) {
        faces = SearchFrame(frame.image, detect);  // Every face was lost: look everywhere.
        since_search = 0;
      }
    }
    // Else: the last whole-frame search found nothing; wait for the next one.
    FinishDetections(faces, options_);
    frame.faces = std::move(faces);
    ++since_search;
    previous = &frame.faces;
  });
}

}  // namespace faceswap
