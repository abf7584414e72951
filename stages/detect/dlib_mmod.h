// detect/dlib-mmod: dlib's CNN face detector (MMOD loss, mmod_human_face_detector.dat, fetched
// by samples/fetch-models.sh into the data cache; see pipeline/data_cache.h).
//
// Finds faces dlib's frontal HOG detector misses: strongly rolled ones (measured: 40-50
// degrees) and, by dlib's account, turned ones; at 2-7x HOG's cost on video (README.md has
// the measurements), so HOG stays the default.
// The net scans its own 5/6 image pyramid and finds faces from kMmodMinFace px upwards in the
// image it is given; the shared search (face_search.h) resizes frames so faces from ~40 px up
// are found. The model is deserialized once per process per path; each worker (stage
// instance) runs its own forward pass: OpenCV dnn with dlib's weights (~0.6 s per 720p image
// on one core; same detections as dlib's own CPU forward, which is ~13x slower). Score: the
// net's raw detection confidence (0 = its trained threshold, ~1 for clear faces).
//
// Input is the search's grayscale image (as R = G = B). Measured, colour would help: dlib's
// labelled photos 41 of 43 faces in colour vs 39 in gray; dark low-contrast portraits 32 of
// 39 vs 24 (HOG: 43 and 35).
#pragma once

#include "pipeline/stage.h"
#include "stages/detect/detect_options.h"

namespace faceswap {

struct DlibMmodOptions : DetectOptions {
  // Run dlib's own CPU forward pass instead of OpenCV's dnn (same faces, ~13x slower; a
  // reference for tests).
  bool dlib_forward = false;

  void BindOwn(OptionBinder& binder) override;
};

// The file name in the data cache: DlibModelPath(kMmodModelFile).
constexpr const char* kMmodModelFile = "mmod_human_face_detector.dat";

// The smallest face (box edge, px) the net finds at scale 1: its one 80x80 sliding window
// (measured on dlib's labelled photos: of 28 faces of 37-44 px, none is found at 1x, 10 at
// 1.6x, 24 at 2x). Like HOG, so the search enlarges frames 2x to find 40 px faces.
constexpr int kMmodMinFace = 80;

StageInfo DlibMmodDetectorInfo();

}  // namespace faceswap
