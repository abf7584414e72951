#include "tests/testing/pixels.h"

#include <vector>

namespace faceswap::testing {

cv::Mat ChangedPixels(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  std::vector<cv::Mat> channels;
  cv::split(diff, channels);
  cv::Mat any = channels[0].clone();
  for (size_t c = 1; c < channels.size(); ++c) any |= channels[c];
  return any > 0;
}

}  // namespace faceswap::testing
