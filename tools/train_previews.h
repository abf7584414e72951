// PNG output of `faceswap train`: the preview grid and the loss curve (OpenCV; models/
// produces the pixels). Files are written to a temp name and renamed when complete.
#pragma once

#include <string>
#include <vector>

#include "models/trainer.h"

namespace faceswap {

void WritePreviewPng(const Image& image, const std::string& path);
// history rows: (iteration, loss per identity); one curve per identity (moving average).
void WriteLossCurvePng(const std::vector<std::vector<double>>& history,
                       const std::vector<std::string>& identities, const std::string& path);

}  // namespace faceswap
