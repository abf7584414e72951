#include "pipeline/alignment.h"

#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "base/check.h"

namespace faceswap {

const std::array<cv::Point2d, kNumMeanFacePoints>& MeanFace() {
  static const std::array<cv::Point2d, kNumMeanFacePoints> kMeanFace = [] {
    const double x[kNumMeanFacePoints] = {
        0.000213256, 0.0752622, 0.18113,  0.29077,  0.393397, 0.586856, 0.689483, 0.799124,
        0.904991,    0.98004,   0.490127, 0.490127, 0.490127, 0.490127, 0.36688,  0.426036,
        0.490127,    0.554217,  0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
        0.182743,    0.645647,  0.714428, 0.793132, 0.858516, 0.79751,  0.719335, 0.254149,
        0.340985,    0.428858,  0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
        0.490127,    0.423532,  0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
        0.553364,    0.490127,  0.42689};
    const double y[kNumMeanFacePoints] = {
        0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482,
        0.038915, 0.106454, 0.203352,  0.307009,  0.409805,  0.515625,  0.587326,  0.609345,
        0.628106, 0.609345, 0.587326,  0.216423,  0.178758,  0.179852,  0.231733,  0.245099,
        0.244077, 0.231733, 0.179852,  0.178758,  0.216423,  0.244077,  0.245099,  0.780233,
        0.745405, 0.727388, 0.742578,  0.727388,  0.745405,  0.780233,  0.864805,  0.902192,
        0.909281, 0.902192, 0.864805,  0.784792,  0.778746,  0.785343,  0.778746,  0.784792,
        0.824182, 0.831803, 0.824182};
    std::array<cv::Point2d, kNumMeanFacePoints> points;
    for (int i = 0; i < kNumMeanFacePoints; ++i) points[i] = {x[i], y[i]};
    return points;
  }();
  return kMeanFace;
}

std::string AlignmentConvention::Check() const {
  return OptionCheck().Range("size", size, 16, 4096).Range("padding", padding, 0.0, 0.45).Error();
}

cv::Point2d AlignmentConvention::UnitToAligned(const cv::Point2d& unit) const {
  const double inner = size * (1.0 - 2.0 * padding);
  return unit * inner + cv::Point2d(size * padding, size * padding);
}

std::vector<cv::Point2d> AlignmentConvention::Template() const {
  std::vector<cv::Point2d> points;
  points.reserve(kNumMeanFacePoints);
  for (const auto& p : MeanFace()) points.push_back(UnitToAligned(p));
  return points;
}

std::array<cv::Point2d, 2> AlignmentConvention::TemplateEyeCentres() const {
  const auto t = Template();
  std::array<cv::Point2d, 2> eyes{};
  for (int e = 0; e < 2; ++e) {
    const int first = 36 + 6 * e - kFirstAlignLandmark;
    for (int i = first; i < first + 6; ++i) eyes[e] += t[i];
    eyes[e] *= 1.0 / 6.0;
  }
  return eyes;
}

cv::Matx23d UmeyamaSimilarity(const std::vector<cv::Point2d>& src,
                              const std::vector<cv::Point2d>& dst) {
  if (src.size() != dst.size() || src.size() < 2) {
    throw std::invalid_argument("UmeyamaSimilarity: need two equal-sized sets of >= 2 points");
  }
  const double n = static_cast<double>(src.size());
  cv::Point2d mean_src(0, 0), mean_dst(0, 0);
  for (size_t i = 0; i < src.size(); ++i) {
    mean_src += src[i];
    mean_dst += dst[i];
  }
  mean_src *= 1.0 / n;
  mean_dst *= 1.0 / n;

  // Covariance dst^T * src of the centred points, and the variance of src.
  cv::Matx22d cov = cv::Matx22d::zeros();
  double var_src = 0.0;
  for (size_t i = 0; i < src.size(); ++i) {
    const cv::Point2d s = src[i] - mean_src, d = dst[i] - mean_dst;
    cov(0, 0) += d.x * s.x;
    cov(0, 1) += d.x * s.y;
    cov(1, 0) += d.y * s.x;
    cov(1, 1) += d.y * s.y;
    var_src += s.dot(s);
  }
  cov *= 1.0 / n;
  var_src /= n;
  if (var_src <= 0.0) throw std::invalid_argument("UmeyamaSimilarity: source points coincide");

  cv::Mat w, u, vt;
  cv::SVD::compute(cv::Mat(cov), w, u, vt);
  // Reflection guard: flip the smallest singular direction when det(cov) < 0.
  cv::Matx22d sign = cv::Matx22d::eye();
  if (cv::determinant(cov) < 0) sign(1, 1) = -1.0;
  const cv::Matx22d U(u), Vt(vt);
  const cv::Matx22d rotation = U * sign * Vt;
  const double scale = (w.at<double>(0) * sign(0, 0) + w.at<double>(1) * sign(1, 1)) / var_src;

  const cv::Matx22d sr = rotation * scale;
  const cv::Vec2d t = cv::Vec2d(mean_dst.x, mean_dst.y) - sr * cv::Vec2d(mean_src.x, mean_src.y);
  return cv::Matx23d(sr(0, 0), sr(0, 1), t[0], sr(1, 0), sr(1, 1), t[1]);
}

cv::Matx23d FrameToAligned(const std::vector<cv::Point2f>& landmarks,
                           const AlignmentConvention& convention) {
  if (static_cast<int>(landmarks.size()) != kNumLandmarks) {
    throw std::invalid_argument("FrameToAligned: expected 68 landmarks, got " +
                                std::to_string(landmarks.size()));
  }
  std::vector<cv::Point2d> src(landmarks.begin() + kFirstAlignLandmark, landmarks.end());
  return UmeyamaSimilarity(src, convention.Template());
}

cv::Mat WarpToAligned(const cv::Mat& frame, const cv::Matx23d& frame_to_aligned, int size) {
  cv::Mat aligned;
  cv::warpAffine(frame, aligned, cv::Mat(frame_to_aligned), cv::Size(size, size), cv::INTER_LINEAR,
                 cv::BORDER_REPLICATE);
  return aligned;
}

cv::Point2d Transform(const cv::Matx23d& m, const cv::Point2d& p) {
  return {m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2), m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2)};
}

cv::Point2d TransformedMean(const std::vector<cv::Point2f>& landmarks, const cv::Matx23d& m,
                            int first, int last) {
  cv::Point2d sum(0, 0);
  for (int i = first; i < last; ++i) sum += Transform(m, cv::Point2d(landmarks.at(i)));
  return sum * (1.0 / (last - first));
}

}  // namespace faceswap
