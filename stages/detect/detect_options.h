// Options shared by every face detector plugin (the search itself: face_search.h).
#pragma once

#include <string>

#include "pipeline/stage.h"

namespace faceswap {

struct DetectOptions : StageOptions {
  // Fixed resize factor before detecting (<1 faster for large faces, >1 finds small ones);
  // 0 = auto: every scale from the frame's size down to ~40 px faces, coarse first.
  double scale = 0.0;
  double threshold = 0.0;  // Minimum detector score (detector-specific scale).
  int max_faces = 0;       // Keep at most this many faces per frame (highest scores); 0 = all.
  // Video: search the whole frame on every Nth frame (and whenever the faces of the previous
  // frame are lost); on the others search only around the previous frame's faces.
  int redetect_every = 8;

  // Binds the shared fields (every detector declares them under the same names, so a command
  // binding all detectors gets one --threshold that reaches whichever is chosen), then the
  // plugin's own (BindOwn).
  void Bind(OptionBinder& binder) override;
  // Plugin-specific fields only (flag names should carry the plugin's prefix).
  virtual void BindOwn(OptionBinder& binder) { (void)binder; }
  std::string Check() const override;
};

}  // namespace faceswap
