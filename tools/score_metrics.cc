#include "tools/score_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <tuple>

#include "pipeline/alignment.h"

namespace faceswap {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool Has68(const std::vector<cv::Point2f>& landmarks) {
  return landmarks.size() == static_cast<size_t>(kNumLandmarks);
}

cv::Mat Ellipse(int radius) {
  return cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1));
}

}  // namespace

double BoxIoU(const cv::Rect2f& a, const cv::Rect2f& b) {
  const double inter = (a & b).area();
  const double uni = static_cast<double>(a.area()) + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0;
}

std::vector<int> MatchBoxes(const std::vector<cv::Rect2f>& a, const std::vector<cv::Rect2f>& b,
                            double min_iou) {
  std::vector<std::tuple<double, size_t, size_t>> pairs;
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = 0; j < b.size(); ++j) {
      const double iou = BoxIoU(a[i], b[j]);
      if (iou > min_iou) pairs.emplace_back(-iou, i, j);  // Sorted: highest IoU first.
    }
  }
  std::sort(pairs.begin(), pairs.end());
  std::vector<int> match(a.size(), -1);
  std::vector<bool> taken(b.size(), false);
  for (const auto& [neg_iou, i, j] : pairs) {
    if (match[i] >= 0 || taken[j]) continue;
    match[i] = static_cast<int>(j);
    taken[j] = true;
  }
  return match;
}

double InterOcularDistance(const std::vector<cv::Point2f>& landmarks) {
  if (!Has68(landmarks)) return kNaN;
  const cv::Matx23d identity(1, 0, 0, 0, 1, 0);
  return cv::norm(TransformedMean(landmarks, identity, 36, 42) -
                  TransformedMean(landmarks, identity, 42, 48));
}

namespace {
// First landmark of each region and of the next one (dlib's 68-point layout).
constexpr int kRegionStart[kNumLandmarkRegions + 1] = {0, 17, 27, 36, 48, 68};
}  // namespace

const char* LandmarkRegionName(int region) {
  static const char* const kNames[kNumLandmarkRegions] = {"jaw", "brows", "nose", "eyes",
                                                          "mouth"};
  return kNames[region];
}

std::array<double, kNumLandmarkRegions> LandmarkRegionErrors(
    const std::vector<cv::Point2f>& reference, const std::vector<cv::Point2f>& other) {
  std::array<double, kNumLandmarkRegions> out;
  out.fill(kNaN);
  if (!Has68(reference) || !Has68(other)) return out;
  const double iod = InterOcularDistance(reference);
  if (!(iod > 0)) return out;
  for (int r = 0; r < kNumLandmarkRegions; ++r) {
    double sum = 0.0;
    for (int i = kRegionStart[r]; i < kRegionStart[r + 1]; ++i) {
      sum += cv::norm(other[i] - reference[i]);
    }
    out[r] = sum / (kRegionStart[r + 1] - kRegionStart[r]) / iod;
  }
  return out;
}

double LandmarkError(const std::vector<cv::Point2f>& reference,
                     const std::vector<cv::Point2f>& other) {
  if (!Has68(reference) || !Has68(other)) return kNaN;
  const double iod = InterOcularDistance(reference);
  if (!(iod > 0)) return kNaN;
  double sum = 0.0;
  for (int i = 0; i < kNumLandmarks; ++i) sum += cv::norm(other[i] - reference[i]);
  return sum / kNumLandmarks / iod;
}

double LandmarkJitter(const std::vector<cv::Point2f>& previous,
                      const std::vector<cv::Point2f>& current,
                      const std::vector<cv::Point2f>& next) {
  if (!Has68(previous) || !Has68(current) || !Has68(next)) return kNaN;
  const double iod = InterOcularDistance(current);
  if (!(iod > 0)) return kNaN;
  double sum = 0.0;
  for (int i = 0; i < kNumLandmarks; ++i) {
    sum += cv::norm(previous[i] - 2.f * current[i] + next[i]);
  }
  return sum / kNumLandmarks / iod;
}

double MaskedPsnr(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask) {
  CV_Assert(a.size() == b.size() && a.type() == b.type() && a.depth() == CV_8U);
  CV_Assert(mask.empty() || (mask.size() == a.size() && mask.type() == CV_8UC1));
  const int64_t pixels = mask.empty() ? static_cast<int64_t>(a.total()) : cv::countNonZero(mask);
  if (pixels == 0) return kNaN;
  const double sse = cv::norm(a, b, cv::NORM_L2SQR, mask);
  if (sse == 0) return kPsnrCap;
  const double mse = sse / (static_cast<double>(pixels) * a.channels());
  return std::min(kPsnrCap, 10.0 * std::log10(255.0 * 255.0 / mse));
}

cv::Mat SeamRing(const cv::Mat& mask, int half_width) {
  CV_Assert(mask.type() == CV_8UC1 && half_width >= 1);
  cv::Mat binary = mask > 0, grown, shrunk;
  const cv::Mat kernel = Ellipse(half_width);
  // Outside the frame counts as "like the nearest pixel": the border is no boundary.
  cv::dilate(binary, grown, kernel, {-1, -1}, 1, cv::BORDER_REPLICATE);
  cv::erode(binary, shrunk, kernel, {-1, -1}, 1, cv::BORDER_REPLICATE);
  return grown - shrunk;
}

double GradientEnergy(const cv::Mat& bgr, const cv::Mat& region) {
  if (cv::countNonZero(region) == 0) return kNaN;
  cv::Mat grey, gx, gy;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  cv::Sobel(grey, gx, CV_32F, 1, 0, 3);
  cv::Sobel(grey, gy, CV_32F, 0, 1, 3);
  const cv::Mat energy = gx.mul(gx) + gy.mul(gy);
  return cv::mean(energy, region)[0];
}

double ChangeStep(const cv::Mat& input, const cv::Mat& output, const cv::Mat& region) {
  if (cv::countNonZero(region) == 0) return kNaN;
  cv::Mat grey_in, grey_out, change, gx, gy, magnitude;
  cv::cvtColor(input, grey_in, cv::COLOR_BGR2GRAY);
  cv::cvtColor(output, grey_out, cv::COLOR_BGR2GRAY);
  cv::subtract(grey_out, grey_in, change, cv::noArray(), CV_32F);
  cv::Sobel(change, gx, CV_32F, 1, 0, 3, 1.0 / 8);
  cv::Sobel(change, gy, CV_32F, 0, 1, 3, 1.0 / 8);
  cv::magnitude(gx, gy, magnitude);
  return cv::mean(magnitude, region)[0];
}

SeamScore MeasureSeam(const cv::Mat& input, const cv::Mat& output, const cv::Mat& change_mask,
                      int half_width) {
  SeamScore s;
  if (change_mask.empty()) return s;
  const cv::Mat ring = SeamRing(change_mask, half_width);
  s.ring_pixels = cv::countNonZero(ring);
  if (s.ring_pixels == 0) return s;
  s.input = GradientEnergy(input, ring);
  s.output = GradientEnergy(output, ring);
  s.ratio = (s.output + 1.0) / (s.input + 1.0);
  s.step = ChangeStep(input, output, ring);
  return s;
}

cv::Mat FaceHullMask(const cv::Size& size, const std::vector<std::vector<cv::Point2f>>& faces,
                     double growth) {
  cv::Mat mask = cv::Mat::zeros(size, CV_8UC1);
  for (const auto& landmarks : faces) {
    if (landmarks.size() < 3) continue;
    std::vector<cv::Point2f> hull;
    cv::convexHull(landmarks, hull);
    cv::Point2f centre(0, 0);
    for (const auto& p : hull) centre += p;
    centre *= 1.f / static_cast<float>(hull.size());
    std::vector<cv::Point> grown;
    for (const auto& p : hull) {
      const cv::Point2f q = centre + static_cast<float>(growth) * (p - centre);
      grown.emplace_back(cvRound(q.x), cvRound(q.y));
    }
    cv::fillConvexPoly(mask, grown, cv::Scalar(255));
  }
  return mask;
}

cv::Mat DerivedChangeMask(const cv::Mat& input, const cv::Mat& output,
                          const std::vector<std::vector<cv::Point2f>>& input_faces,
                          const ChangeMaskOptions& options) {
  CV_Assert(input.size() == output.size() && input.type() == CV_8UC3 &&
            output.type() == CV_8UC3);
  cv::Mat diff, channels[3];
  cv::absdiff(input, output, diff);
  cv::split(diff, channels);
  cv::Mat changed = cv::max(cv::max(channels[0], channels[1]), channels[2]) > options.threshold;
  if (options.dilate > 0) cv::dilate(changed, changed, Ellipse(options.dilate));
  return changed & FaceHullMask(input.size(), input_faces, options.hull_growth);
}

double FiniteMean(const std::vector<double>& values) {
  double sum = 0.0;
  size_t n = 0;
  for (double v : values) {
    if (std::isfinite(v)) sum += v, ++n;
  }
  return n > 0 ? sum / static_cast<double>(n) : kNaN;
}

double FiniteMedian(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(),
                              [](double v) { return !std::isfinite(v); }),
               values.end());
  if (values.empty()) return kNaN;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  return 0.5 * (upper + *std::max_element(values.begin(), values.begin() + mid));
}

}  // namespace faceswap
