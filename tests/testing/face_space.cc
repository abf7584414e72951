#include "tests/testing/face_space.h"

#include <cmath>

#include <opencv2/imgproc.hpp>

namespace faceswap::testing {

cv::Matx23d FaceTransform(const std::vector<cv::Point2f>& lm, int size) {
  cv::Point2f left(0, 0), right(0, 0), centre(0, 0);
  for (int i = 36; i < 42; ++i) left += lm[i] / 6.f;
  for (int i = 42; i < 48; ++i) right += lm[i] / 6.f;
  for (const auto& p : lm) centre += p / static_cast<float>(lm.size());
  const double angle = std::atan2(right.y - left.y, right.x - left.x) * 180.0 / CV_PI;
  const double eye_distance = std::hypot(right.x - left.x, right.y - left.y);
  const double scale = size / (2.5 * eye_distance);
  cv::Mat m = cv::getRotationMatrix2D(centre, angle, scale);
  m.at<double>(0, 2) += size / 2.0 - centre.x;
  m.at<double>(1, 2) += size / 2.0 - centre.y;
  return cv::Matx23d(m);
}

}  // namespace faceswap::testing
