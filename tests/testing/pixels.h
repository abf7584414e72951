// Pixel comparisons for tests.
#pragma once

#include <opencv2/core.hpp>

namespace faceswap::testing {

// CV_8UC1: 255 where any channel of `a` and `b` differs (a grey conversion would round away
// a one-level change in blue).
cv::Mat ChangedPixels(const cv::Mat& a, const cv::Mat& b);

}  // namespace faceswap::testing
