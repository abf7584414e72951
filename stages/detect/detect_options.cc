#include "stages/detect/detect_options.h"

#include "base/check.h"

namespace faceswap {

void DetectOptions::Bind(OptionBinder& binder) {
  binder.Add("detect-scale", &scale,
             "Resize frames by this factor before detecting (<1 faster for large faces, >1 "
             "finds small ones); 0 = auto: all face sizes from ~40 px to the frame's");
  binder.Add("threshold", &threshold, "Minimum detector confidence score");
  binder.Add("max-faces", &max_faces, "Keep at most this many faces per frame (0 = all)");
  binder.Add("redetect-every", &redetect_every,
             "Video: search the whole frame every N frames (and when a face is lost); in "
             "between, search only near the previous frame's faces (1 = whole frame always)");
  BindOwn(binder);
}

std::string DetectOptions::Check() const {
  return OptionCheck()
      .That(scale == 0.0 || (scale >= 0.05 && scale <= 8.0),
            "invalid value " + std::to_string(scale) +
                " for option 'detect-scale': expected 0 (auto) or 0.05 to 8")
      .Range("max-faces", max_faces, 0, 10000)
      .Range("redetect-every", redetect_every, 1, 1000)
      .Error();
}

}  // namespace faceswap
