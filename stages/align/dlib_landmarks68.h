// align/dlib-68: dlib's 68-point shape predictor on each detected face, at full frame
// resolution, then the frame -> aligned matrix (pipeline/alignment.h) and, when the run wants
// them (StreamFormat::crops), the aligned crop. Open() sets StreamFormat::face_size and
// StreamFormat::landmark_model.
//
// The model file (~100 MB, ~0.4 s to load) comes from Debian's libdlib-data. It is loaded
// once per process and shared read-only by every worker (prediction is const).
#pragma once

#include <string>

#include "pipeline/alignment.h"
#include "pipeline/stage.h"

namespace faceswap {

constexpr const char* kDefaultLandmarkModel =
    "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";

struct DlibLandmarksOptions : StageOptions {
  std::string model = kDefaultLandmarkModel;  // dlib 68-point shape predictor (.dat).
  int size = 256;                             // Edge of aligned crops in pixels.
  int passes = 3;     // Fits per face; each after the first starts from the box the last implies.

  void Bind(OptionBinder& binder) override;
  std::string Check() const override;
  AlignmentConvention Convention() const;
};

// Throws FatalError naming the file and the Debian package when the model is missing or
// not a dlib shape predictor. Cheap after the first call for a path.
void CheckLandmarkModel(const std::string& path);

StageInfo DlibLandmarks68Info();

}  // namespace faceswap
