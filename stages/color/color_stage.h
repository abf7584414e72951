#pragma once

#include "pipeline/stage.h"
#include "stages/color/color_transfer.h"

namespace faceswap {

// color/<method>: matches each swapped face's colours to the frame region it will cover,
// over the face's mask (set a mask stage before it for the best match).
StageInfo ColorStageInfo(ColorMethod method, const std::string& description);

}  // namespace faceswap
