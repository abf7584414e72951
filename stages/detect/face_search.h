// How a detector plugin searches a frame for faces, so that faces from ~40 px up to the frame's
// size are found without the user choosing a scale, and large faces stay cheap.
//
// A detector finds faces from a native minimum (dlib's HOG window: 80 px) upwards in the image
// it is given. A whole-frame search runs it on the frame resized to a ladder of scales,
// coarsest first: s0 (full pyramid: faces >= native/s0, up to the frame), then 2*s0, 4*s0, ...
// up to the scale where a 40 px face reaches the native size. Each finer rung only needs the
// faces the coarser rungs could not see ("band": native .. ~2x native), which a detector may
// use to scan fewer pyramid levels. Video stops at the first rung that finds a face (a clip of
// 400 px faces costs one search at quarter size); stills (image folders: group photos) always
// climb every rung.
//
// Video frames between whole-frame searches (DetectOptions::redetect_every) are searched only
// around each face of the previous frame, resized so the face is ~1.3x native: a few ms per
// face at any resolution. When that finds none of them (a face turned, moved fast, or left),
// the frame gets a whole-frame search at once. The state never crosses a batch, so results do
// not depend on how batches are spread over workers.
#pragma once

#include <functional>
#include <vector>

#include <opencv2/core.hpp>

#include "pipeline/frame.h"
#include "pipeline/stage.h"
#include "stages/detect/detect_options.h"

namespace faceswap {

// Runs the detector on a grayscale image and returns faces in that image's pixels. `band`:
// faces larger than ~2x the native minimum were already searched for at a coarser scale, so a
// detector that can limit its pyramid may skip them (detectors that can't just search all).
using DetectFn = std::function<std::vector<Face>(const cv::Mat& gray, bool band)>;

// The smallest face (detector box edge, frame px) the automatic search looks for.
constexpr int kSmallestFace = 40;

class FaceSearch {
 public:
  FaceSearch(const DetectOptions& options, int native_min_face);

  // Plans the scale ladder for this stream's frame size; image folders search exhaustively.
  // For video it asks the runner for batches of at least --redetect-every frames
  // (StreamFormat::min_batch_frames): faces are followed only within a batch.
  void Open(StreamFormat& format);
  // Detects faces in every non-passthrough frame of the batch (frame.faces replaced).
  void Process(FrameBatch& batch, const DetectFn& detect);

  // The whole-frame ladder, coarse to fine (exposed for tests and benchmarks).
  const std::vector<double>& scales() const { return scales_; }

 private:
  std::vector<Face> SearchFrame(const cv::Mat& image, const DetectFn& detect) const;
  std::vector<Face> SearchNear(const cv::Mat& image, const std::vector<Face>& previous,
                               const DetectFn& detect) const;
  void Plan(int width, int height);

  DetectOptions options_;
  int native_;
  bool exhaustive_ = false;
  int planned_width_ = 0, planned_height_ = 0;
  std::vector<double> scales_;
};

// Resizes `image` (BGR or gray) by `scale` into a grayscale detection image.
cv::Mat DetectionImage(const cv::Mat& image, double scale);

// Drops faces below `threshold`, sorts by score (highest first), keeps `max_faces` (0 = all).
void FinishDetections(std::vector<Face>& faces, const DetectOptions& options);

}  // namespace faceswap
