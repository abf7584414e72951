#include "stages/mask/landmark_mask.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace faceswap {
namespace {

// Brows (17-26) moved up along the face's vertical axis to cover the forehead.
std::vector<cv::Point2f> RaisedBrows(const std::vector<cv::Point2f>& p) {
  cv::Point2f up = p[27] - p[8];  // Chin to nose bridge.
  const float len = std::hypot(up.x, up.y);
  if (len < 1e-3f) return {p.begin() + 17, p.begin() + 27};
  up *= 1.f / len;
  const float lift = 0.2f * len;  // A fifth of the chin-to-bridge height.
  std::vector<cv::Point2f> out;
  for (int i = 17; i < 27; ++i) out.push_back(p[i] + up * lift);
  return out;
}

void FillHull(cv::Mat& mask, const std::vector<cv::Point2f>& points) {
  std::vector<cv::Point> ints, hull;
  for (const auto& q : points) ints.emplace_back(cvRound(q.x * 16), cvRound(q.y * 16));
  cv::convexHull(ints, hull);
  cv::fillConvexPoly(mask, hull, cv::Scalar(1.0), cv::LINE_AA, 4);  // 4 fractional bits.
}

std::vector<cv::Point2f> Pick(const std::vector<cv::Point2f>& p, std::initializer_list<int> idx) {
  std::vector<cv::Point2f> out;
  for (int i : idx) out.push_back(p[i]);
  return out;
}

}  // namespace

std::vector<cv::Point2f> TransformPoints(const std::vector<cv::Point2f>& points,
                                         const cv::Matx23d& m) {
  std::vector<cv::Point2f> out;
  out.reserve(points.size());
  for (const auto& q : points) {
    out.emplace_back(static_cast<float>(m(0, 0) * q.x + m(0, 1) * q.y + m(0, 2)),
                     static_cast<float>(m(1, 0) * q.x + m(1, 1) * q.y + m(1, 2)));
  }
  return out;
}

cv::Mat LandmarkMask(MaskShape shape, const std::vector<cv::Point2f>& p, cv::Size size) {
  CV_Assert(p.size() == 68);
  cv::Mat mask(size, CV_32FC1, cv::Scalar(0));
  const auto brows = RaisedBrows(p);
  if (shape == MaskShape::kHull) {
    std::vector<cv::Point2f> all(p.begin(), p.begin() + 17);  // Jaw.
    all.insert(all.end(), brows.begin(), brows.end());
    FillHull(mask, all);
    return mask;
  }
  // Components: each side of the jaw with its brow and the nose; the lower face.
  const std::vector<cv::Point2f> right_brow(brows.begin(), brows.begin() + 5);
  const std::vector<cv::Point2f> left_brow(brows.begin() + 5, brows.end());
  auto right = Pick(p, {0, 1, 2, 3, 4, 5, 6, 7, 8, 27, 28, 29, 30, 31, 33});
  right.insert(right.end(), right_brow.begin(), right_brow.end());
  auto left = Pick(p, {8, 9, 10, 11, 12, 13, 14, 15, 16, 27, 28, 29, 30, 35, 33});
  left.insert(left.end(), left_brow.begin(), left_brow.end());
  auto bridge = Pick(p, {27, 31, 35});
  bridge.insert(bridge.end(), brows.begin() + 3, brows.begin() + 7);  // Inner brow ends.
  auto lower = Pick(p, {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 31, 33, 35, 48, 54});
  for (const auto& part : {right, left, bridge, lower}) FillHull(mask, part);
  return mask;
}

cv::Mat CropFade(cv::Size size, double fade) {
  cv::Mat out(size, CV_32FC1, cv::Scalar(1.0));
  if (fade <= 0) return out;
  const double hx = size.width / 2.0, hy = size.height / 2.0;
  for (int y = 0; y < size.height; ++y) {
    float* row = out.ptr<float>(y);
    const double v = (y + 0.5 - hy) / hy;
    for (int x = 0; x < size.width; ++x) {
      const double u = (x + 0.5 - hx) / hx;
      const double r = std::pow(u * u * u * u + v * v * v * v, 0.25);
      const double t = std::clamp((1.0 - r) / fade, 0.0, 1.0);
      row[x] = static_cast<float>(t * t * (3.0 - 2.0 * t));  // Smoothstep: no kink at either end.
    }
  }
  return out;
}

void RefineMask(cv::Mat& mask, const MaskRefineOptions& o) {
  const int extent = std::max(mask.cols, mask.rows);
  const int erode = static_cast<int>(std::lround(std::abs(o.erosion) * extent));
  if (erode > 0) {
    const cv::Mat k = cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * erode + 1, 2 * erode + 1});
    if (o.erosion > 0) cv::erode(mask, mask, k, {-1, -1}, 1, cv::BORDER_CONSTANT, 0);
    else cv::dilate(mask, mask, k, {-1, -1}, 1, cv::BORDER_CONSTANT, 0);
  }
  int blur = static_cast<int>(std::lround(o.feather * extent)) | 1;
  if (o.feather <= 0 || blur < 3) return;
  // Shrink by half the kernel first so the blurred edge fades to 0 at the outline.
  const cv::Mat k = cv::getStructuringElement(cv::MORPH_ELLIPSE, {blur, blur});
  cv::Mat inner;
  // Outside the crop counts as background: a face that fills the crop (the usual case at
  // coverage < 1) still fades to 0 at the crop's edge instead of leaving a hard square.
  cv::erode(mask, inner, k, {-1, -1}, 1, cv::BORDER_CONSTANT, 0);
  if (o.gaussian) cv::GaussianBlur(inner, inner, {blur, blur}, 0);
  else cv::blur(inner, inner, {blur, blur});
  cv::min(inner, mask, mask);  // Never grow past the unfeathered shape.
}

}  // namespace faceswap
