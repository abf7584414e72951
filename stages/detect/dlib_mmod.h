// detect/dlib-mmod: dlib's CNN face detector (MMOD loss, mmod_human_face_detector.dat, fetched
// by samples/fetch-models.sh into the data cache; see pipeline/data_cache.h).
//
// Finds faces the HOG detector misses (turned up to profile, tilted, hard light, partly
// occluded) at a far higher CPU cost (seconds per 720p frame scan on 2 cores). The net scans its own image pyramid (5/6 steps) and finds
// faces from kMmodMinFace px upwards in the image it is given; the shared search
// (face_search.h) resizes frames so faces from ~40 px up are found. The model is deserialized
// once per process per path; each worker (stage instance) runs its own copy, because a forward
// pass writes every layer's output into the network object. Score: the net's raw detection
// confidence (0 = its trained threshold; ~1 for clear faces), compared with --threshold.
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
// (measured on dlib's labelled photos: 37-44 px faces are missed at 1x and 1.6x, 26 of 28
// found at 2x). Like HOG, so the search enlarges frames 2x to find 40 px faces.
constexpr int kMmodMinFace = 80;

StageInfo DlibMmodDetectorInfo();

}  // namespace faceswap
