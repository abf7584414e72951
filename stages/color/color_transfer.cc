#include "stages/color/color_transfer.h"

#include <array>

#include <opencv2/imgproc.hpp>

#include "base/check.h"

namespace faceswap {
namespace {

cv::Mat BinaryMask(const cv::Mat& mask, cv::Size size) {
  if (mask.empty()) return cv::Mat(size, CV_8UC1, cv::Scalar(255));
  cv::Mat m;
  cv::compare(mask, 0.5, m, cv::CMP_GT);
  return m;
}

void Average(cv::Mat& face, const cv::Mat& reference, const cv::Mat& m) {
  const cv::Scalar shift = cv::mean(reference, m) - cv::mean(face, m);
  face.convertTo(face, CV_32FC3);
  face += shift;
  face.convertTo(face, CV_8UC3);  // Saturating.
}

void Reinhard(cv::Mat& face, const cv::Mat& reference, const cv::Mat& m) {
  cv::Mat f, r;
  face.convertTo(f, CV_32FC3, 1.0 / 255);
  reference.convertTo(r, CV_32FC3, 1.0 / 255);
  cv::cvtColor(f, f, cv::COLOR_BGR2Lab);
  cv::cvtColor(r, r, cv::COLOR_BGR2Lab);
  cv::Scalar fm, fs, rm, rs;
  cv::meanStdDev(f, fm, fs, m);
  cv::meanStdDev(r, rm, rs, m);
  std::vector<cv::Mat> ch;
  cv::split(f, ch);
  for (int c = 0; c < 3; ++c) {
    const double gain = fs[c] > 1e-6 ? rs[c] / fs[c] : 1.0;
    ch[c] = (ch[c] - fm[c]) * gain + rm[c];
  }
  cv::merge(ch, f);
  cv::cvtColor(f, f, cv::COLOR_Lab2BGR);
  f.convertTo(face, CV_8UC3, 255.0);
}

// Cumulative distribution of one 8-bit channel over the mask.
std::array<double, 256> Cdf(const cv::Mat& channel, const cv::Mat& m) {
  std::array<double, 256> cdf{};
  for (int y = 0; y < channel.rows; ++y) {
    const uchar* c = channel.ptr<uchar>(y);
    const uchar* k = m.ptr<uchar>(y);
    for (int x = 0; x < channel.cols; ++x) {
      if (k[x]) cdf[c[x]] += 1;
    }
  }
  double total = 0;
  for (auto& v : cdf) v = (total += v);
  if (total > 0) {
    for (auto& v : cdf) v /= total;
  }
  return cdf;
}

void Histogram(cv::Mat& face, const cv::Mat& reference, const cv::Mat& m) {
  std::vector<cv::Mat> fc, rc;
  cv::split(face, fc);
  cv::split(reference, rc);
  for (int c = 0; c < 3; ++c) {
    const auto src = Cdf(fc[c], m), dst = Cdf(rc[c], m);
    cv::Mat lut(1, 256, CV_8UC1);
    int j = 0;
    for (int i = 0; i < 256; ++i) {
      while (j < 255 && dst[j] < src[i]) ++j;
      lut.at<uchar>(i) = static_cast<uchar>(j);
    }
    cv::LUT(fc[c], lut, fc[c]);
  }
  cv::merge(fc, face);
}

}  // namespace

std::vector<std::string> ColorMethodNames() { return {"none", "avg", "reinhard", "hist-match"}; }

ColorMethod ParseColorMethod(const std::string& name) {
  if (name == "none") return ColorMethod::kNone;
  if (name == "avg") return ColorMethod::kAverage;
  if (name == "reinhard") return ColorMethod::kReinhard;
  if (name == "hist-match") return ColorMethod::kHistogram;
  ThrowIfInvalid(OptionCheck().OneOf("color", name, ColorMethodNames()).Error());
  return ColorMethod::kNone;
}

void MatchColor(ColorMethod method, cv::Mat& face, const cv::Mat& reference, const cv::Mat& mask) {
  CV_Assert(face.type() == CV_8UC3 && reference.type() == CV_8UC3 &&
            face.size() == reference.size());
  const cv::Mat m = BinaryMask(mask, face.size());
  if (cv::countNonZero(m) == 0) return;
  switch (method) {
    case ColorMethod::kNone: return;
    case ColorMethod::kAverage: return Average(face, reference, m);
    case ColorMethod::kReinhard: return Reinhard(face, reference, m);
    case ColorMethod::kHistogram: return Histogram(face, reference, m);
  }
}

}  // namespace faceswap
