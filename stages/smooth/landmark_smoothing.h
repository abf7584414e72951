// smooth/landmarks: temporal smoothing of each face's 68 landmarks over a centred window of
// frames, so the alignment matrices computed from them (and the pasted face) do not jitter.
// Faces are followed from frame to frame by their nearest box centre. The stage holds back
// window/2 frames and releases them from Close(): run it with one worker, before alignment.
#pragma once

#include "pipeline/stage.h"

namespace faceswap {

struct SmoothingOptions : StageOptions {
  int window = 5;        // Frames in the centred window (odd); 1 turns smoothing off.
  double sigma = 0.0;    // Gaussian weight sigma in frames; 0 = window / 4 (min 0.5).
  void Bind(OptionBinder& binder) override;
  std::string Check() const override;
};

StageInfo LandmarkSmoothingStageInfo();

// The smoothing itself, for one face: weighted mean of its landmarks in neighbouring frames.
// `neighbours[k]` are the landmarks of the same face at frame offset k - window/2 (empty when
// the face is absent there). Returns the centre entry unchanged if it is empty.
std::vector<cv::Point2f> SmoothTrack(const std::vector<std::vector<cv::Point2f>>& neighbours,
                                     double sigma);

}  // namespace faceswap
