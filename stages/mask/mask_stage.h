#pragma once

#include "pipeline/stage.h"
#include "stages/mask/landmark_mask.h"

namespace faceswap {

// mask/hull and mask/components: sets Face::mask (swap space) from the face's landmarks.
StageInfo LandmarkMaskStageInfo(MaskShape shape, const std::string& description);
// mask/predicted: refines the mask the model's decoder predicted (needs a mask branch).
StageInfo PredictedMaskStageInfo(const std::string& description);

}  // namespace faceswap
