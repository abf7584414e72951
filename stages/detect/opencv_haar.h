// detect/opencv-haar: OpenCV's Viola-Jones cascade (Debian package opencv-data).
//
// Faster than HOG on large frames but with more false positives; useful as a second
// opinion. The cascade file is read once per process; each worker parses its own
// classifier from that text (CascadeClassifier is not safe to share between threads).
// Score: OpenCV's final-stage weight (detectMultiScale3 level weight).
#pragma once

#include <string>

#include "pipeline/stage.h"
#include "stages/detect/detect_options.h"

namespace faceswap {

struct OpenCvHaarOptions : DetectOptions {
  // Cascade XML; Debian's opencv-data installs it here.
  std::string cascade = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";
  int min_neighbors = 5;    // Overlapping hits needed to keep a face (higher: fewer false ones).
  double scale_step = 1.1;  // Pyramid step between detection sizes.

  void BindOwn(OptionBinder& binder) override;
  std::string Check() const override;
};

// The size a face must have at detection scale (the cascade window is 24 px; faces
// below ~40 px are unreliable).
constexpr int kHaarMinFace = 40;

StageInfo OpenCvHaarDetectorInfo();

}  // namespace faceswap
