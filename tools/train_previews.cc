#include "tools/train_previews.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "base/check.h"
#include "pipeline/image_folder_writer.h"

namespace faceswap {

void WritePreviewPng(const Image& image, const std::string& path) {
  cv::Mat mat(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));
  WriteImageFile(path, mat);
}

void WriteLossCurvePng(const std::vector<std::vector<double>>& history,
                       const std::vector<std::string>& identities, const std::string& path) {
  constexpr int kWidth = 800, kHeight = 400, kLeft = 70, kRight = 20, kTop = 20, kBottom = 40;
  cv::Mat canvas(kHeight, kWidth, CV_8UC3, cv::Scalar(255, 255, 255));
  const cv::Scalar colors[] = {{200, 80, 0}, {0, 100, 220}, {0, 160, 0}, {160, 0, 160}};
  const int plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  cv::rectangle(canvas, {kLeft, kTop}, {kLeft + plot_w, kTop + plot_h}, {0, 0, 0});
  if (history.size() >= 2) {
    const size_t n = history.size();
    const size_t window = std::max<size_t>(1, n / 100);  // Moving average: ~100 points' noise.
    std::vector<std::vector<double>> smooth(identities.size(), std::vector<double>(n));
    double lo = 1e30, hi = -1e30;
    for (size_t k = 0; k < identities.size(); ++k) {
      double sum = 0;
      for (size_t i = 0; i < n; ++i) {
        sum += history[i].size() > k + 1 ? history[i][k + 1] : 0;
        if (i >= window) sum -= history[i - window].size() > k + 1 ? history[i - window][k + 1] : 0;
        smooth[k][i] = sum / static_cast<double>(std::min(i + 1, window));
        lo = std::min(lo, smooth[k][i]);
        hi = std::max(hi, smooth[k][i]);
      }
    }
    if (hi <= lo) hi = lo + 1e-6;
    const double first = history.front()[0], last = history.back()[0];
    for (size_t k = 0; k < identities.size(); ++k) {
      std::vector<cv::Point> points;
      for (size_t i = 0; i < n; ++i) {
        const double x = (history[i][0] - first) / std::max(1.0, last - first);
        const double y = (smooth[k][i] - lo) / (hi - lo);
        points.emplace_back(kLeft + static_cast<int>(x * plot_w),
                            kTop + plot_h - static_cast<int>(y * plot_h));
      }
      cv::polylines(canvas, points, false, colors[k % 4], 1, cv::LINE_AA);
      cv::putText(canvas, identities[k], {kLeft + 10, kTop + 20 + 18 * static_cast<int>(k)},
                  cv::FONT_HERSHEY_SIMPLEX, 0.5, colors[k % 4], 1, cv::LINE_AA);
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4f", hi);
    cv::putText(canvas, buf, {4, kTop + 10}, cv::FONT_HERSHEY_SIMPLEX, 0.4, {0, 0, 0});
    std::snprintf(buf, sizeof buf, "%.4f", lo);
    cv::putText(canvas, buf, {4, kTop + plot_h}, cv::FONT_HERSHEY_SIMPLEX, 0.4, {0, 0, 0});
    std::snprintf(buf, sizeof buf, "iteration %.0f .. %.0f", first, last);
    cv::putText(canvas, buf, {kLeft, kHeight - 12}, cv::FONT_HERSHEY_SIMPLEX, 0.45, {0, 0, 0});
  }
  WriteImageFile(path, canvas);
}

}  // namespace faceswap
