#include "pipeline/frame.h"

namespace faceswap {

const char* ToString(FaceStatus status) {
  switch (status) {
    case FaceStatus::kOk: return "ok";
    case FaceStatus::kNoLandmarks: return "no-landmarks";
    case FaceStatus::kTooSmall: return "too-small";
    case FaceStatus::kRejected: return "rejected";
  }
  return "unknown";
}

}  // namespace faceswap
