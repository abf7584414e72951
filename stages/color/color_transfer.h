// Colour matching of a generated face to the frame it is pasted into.
// All functions work on CV_8UC3 BGR images of equal size; statistics are taken over the
// pixels where `mask` (CV_32FC1 in [0,1], or empty = everywhere) is > 0.5.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace faceswap {

enum class ColorMethod { kNone, kAverage, kReinhard, kHistogram };

// "none", "avg", "reinhard", "hist-match" (the plugin names after "color/").
ColorMethod ParseColorMethod(const std::string& name);
std::vector<std::string> ColorMethodNames();

// Adjusts `face` in place so its colour statistics match `reference`'s.
//   avg:        adds the difference of the per-channel means (BGR).
//   reinhard:   per-channel mean/std transfer in CIE L*a*b* (Reinhard et al. 2001).
//   hist-match: per-channel cumulative histogram matching (BGR).
void MatchColor(ColorMethod method, cv::Mat& face, const cv::Mat& reference, const cv::Mat& mask);

}  // namespace faceswap
