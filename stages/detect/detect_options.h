// Options and post-processing shared by every face detector plugin.
//
// Detectors find faces down to a native minimum size (dlib's HOG: ~80 px). A frame is
// resized by a detection scale before detecting: below 1 when faces are large (fast: HOG
// time grows with area), above 1 to find faces smaller than the native minimum. The
// default scale is derived from --min-size so the smallest wanted face is just detectable.
#pragma once

#include <functional>

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "pipeline/frame.h"
#include "pipeline/stage.h"

namespace faceswap {

struct DetectOptions : StageOptions {
  int min_size = 80;       // Smallest face (box edge, frame px) reported; sets the auto scale.
  double scale = 0.0;      // Resize factor applied before detecting; 0 = auto from min_size.
  double threshold = 0.0;  // Minimum detector score (detector-specific scale).
  int max_faces = 0;       // Keep at most this many faces per frame (highest scores); 0 = all.
  // Detect only on frames at batch positions 0, N, 2N, ...; the others are left for the
  // landmark stage to track (DlibLandmarksOptions::track_every). Set by extract, not a flag.
  int redetect_every = 1;

  // Binds the shared fields, then the plugin's own (BindOwn).
  void Bind(OptionBinder& binder) override;
  void BindCommon(OptionBinder& binder);
  // Plugin-specific fields only (flag names should carry the plugin's prefix).
  virtual void BindOwn(OptionBinder& binder) { (void)binder; }
  std::string Check() const override;
  void CopyCommon(const DetectOptions& from);
  // The scale to use for a detector whose native minimum face edge is `native_min_face`.
  double DetectionScale(int native_min_face) const;
  // True when the frame at `position` in its batch is left to the tracker.
  bool SkipDetection(size_t position) const {
    return redetect_every > 1 && position % static_cast<size_t>(redetect_every) != 0;
  }
};

// Resizes `image` (BGR or gray) by `scale` into a grayscale detection image.
cv::Mat DetectionImage(const cv::Mat& image, double scale);

// Maps boxes found at `scale` back to frame pixels, then drops faces below min_size or
// threshold, sorts by score (highest first) and keeps max_faces.
void FinishDetections(std::vector<Face>& faces, double scale, const DetectOptions& options);

// The per-frame loop every detector shares: for each frame of the batch that is due for
// detection, `detect` gets the grayscale image at `scale` and returns faces in its pixels;
// they replace the frame's faces after FinishDetections. Passthrough frames are left alone,
// frames left to the tracker (SkipDetection) lose their faces.
void DetectInBatch(FrameBatch& batch, const DetectOptions& options, double scale,
                   const std::function<std::vector<Face>(const cv::Mat& gray)>& detect);

}  // namespace faceswap
