// Test helper: a similarity transform from frame pixels to a square face crop, computed from
// 68 landmarks (eye line level, face centred), as an aligner would.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

namespace faceswap::testing {

cv::Matx23d FaceTransform(const std::vector<cv::Point2f>& landmarks, int size);

}  // namespace faceswap::testing
