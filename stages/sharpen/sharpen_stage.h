#pragma once

#include "pipeline/stage.h"

namespace faceswap {

// sharpen/none and sharpen/unsharp: unsharp masking of the generated face before blending
// (decoders trained on 64 px crops come out soft when scaled up to the frame).
StageInfo SharpenStageInfo(bool unsharp, const std::string& description);

}  // namespace faceswap
