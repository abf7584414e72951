// detect/dlib-hog: dlib's frontal-face HOG detector (the default detector).
//
// Finds upright faces from ~80 px (HOG window) upwards in the image it scans; the search
// (face_search.h) resizes frames so faces from ~40 px up are found. The detector (~0.25 s to build) is built
// once per process; each worker gets its own copy because dlib's operator() keeps scratch
// state and is not thread-safe. Score: dlib's detection confidence (SVM margin, ~0 to 3).
#pragma once

#include "pipeline/stage.h"
#include "stages/detect/detect_options.h"

namespace faceswap {

struct DlibHogOptions : DetectOptions {};

// The HOG window edge: the smallest face dlib's frontal detector finds at scale 1.
constexpr int kDlibHogMinFace = 80;

StageInfo DlibHogDetectorInfo();

}  // namespace faceswap
