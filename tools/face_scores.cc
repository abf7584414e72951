#include "tools/face_scores.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "pipeline/alignment.h"

namespace faceswap {
namespace {

constexpr int kBlurSize = 256;

}  // namespace

double BlurScore(const cv::Mat& bgr, const std::vector<cv::Point2f>& crop_landmarks) {
  if (bgr.empty()) return 0.0;
  cv::Mat grey;
  if (bgr.channels() == 1) {
    grey = bgr;
  } else {
    cv::cvtColor(bgr, grey, bgr.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  }
  const double sx = static_cast<double>(kBlurSize) / grey.cols;
  const double sy = static_cast<double>(kBlurSize) / grey.rows;
  if (grey.cols != kBlurSize || grey.rows != kBlurSize) {
    cv::resize(grey, grey, cv::Size(kBlurSize, kBlurSize), 0, 0,
               grey.cols > kBlurSize ? cv::INTER_AREA : cv::INTER_LINEAR);
  }
  std::vector<cv::Point> region;
  if (crop_landmarks.size() == static_cast<size_t>(kNumLandmarks)) {
    for (int i = kFirstAlignLandmark; i < kNumLandmarks; ++i) {
      region.emplace_back(cvRound(crop_landmarks[i].x * sx), cvRound(crop_landmarks[i].y * sy));
    }
  } else {
    AlignmentConvention convention;
    convention.size = kBlurSize;
    for (const auto& p : convention.Template()) region.emplace_back(cvRound(p.x), cvRound(p.y));
  }
  std::vector<cv::Point> hull;
  cv::convexHull(region, hull);
  cv::Mat mask = cv::Mat::zeros(grey.size(), CV_8UC1);
  cv::fillConvexPoly(mask, hull, cv::Scalar(255));
  cv::Mat laplacian;
  cv::Laplacian(grey, laplacian, CV_64F);
  if (cv::countNonZero(mask) < 16) mask = cv::Mat();  // Degenerate landmarks: whole crop.
  cv::Scalar mean, stddev;
  cv::meanStdDev(laplacian, mean, stddev, mask);
  return stddev[0] * stddev[0];
}

double LandmarkExtent(const std::vector<cv::Point2f>& landmarks) {
  if (landmarks.empty()) return 0.0;
  float x0 = landmarks[0].x, x1 = x0, y0 = landmarks[0].y, y1 = y0;
  for (const auto& p : landmarks) {
    x0 = std::min(x0, p.x), x1 = std::max(x1, p.x);
    y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
  }
  return std::sqrt(static_cast<double>(x1 - x0) * (y1 - y0));
}

double YawDegrees(const std::vector<cv::Point2f>& landmarks) {
  if (landmarks.size() != static_cast<size_t>(kNumLandmarks)) return 0.0;
  auto mean = [&](int first, int last) {
    cv::Point2d m(0, 0);
    for (int i = first; i < last; ++i) m += cv::Point2d(landmarks[i]);
    return m * (1.0 / (last - first));
  };
  const cv::Point2d eye_r = mean(36, 42), eye_l = mean(42, 48);
  const double roll = std::atan2(eye_l.y - eye_r.y, eye_l.x - eye_r.x);
  const double c = std::cos(-roll), s = std::sin(-roll);
  auto level = [&](const cv::Point2f& p) { return c * p.x - s * p.y; };  // x after de-rolling.
  const double jaw_r = level(landmarks[0]), jaw_l = level(landmarks[16]);
  const double half_width = 0.5 * std::abs(jaw_l - jaw_r);
  if (half_width < 1e-6) return 0.0;
  const double offset = level(landmarks[30]) - 0.5 * (jaw_r + jaw_l);
  return std::atan(offset / half_width) * 180.0 / CV_PI;
}

double AlignmentError(const std::vector<cv::Point2f>& landmarks) {
  if (landmarks.size() != static_cast<size_t>(kNumLandmarks)) return 0.0;
  std::vector<cv::Point2d> src, dst;
  for (int i = kFirstAlignLandmark; i < kNumLandmarks; ++i) src.emplace_back(landmarks[i]);
  dst.assign(MeanFace().begin(), MeanFace().end());
  const cv::Matx23d m = UmeyamaSimilarity(src, dst);
  double sum = 0.0;
  for (size_t i = 0; i < src.size(); ++i) {
    const cv::Point2d d = Transform(m, src[i]) - dst[i];
    sum += d.dot(d);
  }
  return std::sqrt(sum / static_cast<double>(src.size()));
}

}  // namespace faceswap
