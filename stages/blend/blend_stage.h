#pragma once

#include "pipeline/stage.h"
#include "stages/blend/blend.h"

namespace faceswap {

// blend/alpha and blend/seamless: pastes each swapped face back into its frame by its mask.
StageInfo BlendStageInfo(BlendMethod method, const std::string& description);

}  // namespace faceswap
