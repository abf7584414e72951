#include "pipeline/yuv_paste.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace faceswap {
namespace {

struct Coefficients {
  double kr, kb;
};

uint8_t Clamp8(double v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

}  // namespace

void PasteBgrIntoYuv420(const cv::Mat& bgr, const cv::Mat& changed, YuvMatrix matrix,
                        bool full_range, const YuvPlanes& planes) {
  CV_Assert(bgr.type() == CV_8UC3 && bgr.cols % 2 == 0 && bgr.rows % 2 == 0);
  CV_Assert(changed.empty() || (changed.type() == CV_8UC1 && changed.size() == bgr.size()));
  const Coefficients c = matrix == YuvMatrix::kBt709 ? Coefficients{0.2126, 0.0722}
                                                     : Coefficients{0.299, 0.114};
  const double kg = 1.0 - c.kr - c.kb;
  // Scale of luma and chroma and their offsets, for values in [0, 1].
  const double ys = full_range ? 255.0 : 219.0, y0 = full_range ? 0.0 : 16.0;
  const double cs = full_range ? 255.0 : 224.0;
  const double cb = cs / (2.0 * (1.0 - c.kb)) / 255.0, cr = cs / (2.0 * (1.0 - c.kr)) / 255.0;
  auto luma = [&](const cv::Vec3b& p) {  // Unscaled Y' in [0, 255].
    return c.kr * p[2] + kg * p[1] + c.kb * p[0];
  };
  // Only the changed pixels' bounding box (even-aligned) is visited.
  cv::Rect box(0, 0, bgr.cols, bgr.rows);
  if (!changed.empty()) {
    box = cv::boundingRect(changed);
    if (box.empty()) return;
    const int x0 = box.x & ~1, y0b = box.y & ~1;
    box = cv::Rect(x0, y0b, ((box.br().x + 1) & ~1) - x0, ((box.br().y + 1) & ~1) - y0b);
  }
  for (int y = box.y; y < box.br().y; y += 2) {
    const cv::Vec3b* row[2] = {bgr.ptr<cv::Vec3b>(y), bgr.ptr<cv::Vec3b>(y + 1)};
    const uint8_t* mrow[2] = {changed.empty() ? nullptr : changed.ptr<uint8_t>(y),
                              changed.empty() ? nullptr : changed.ptr<uint8_t>(y + 1)};
    uint8_t* yrow[2] = {planes.y + static_cast<size_t>(y) * planes.y_stride,
                        planes.y + static_cast<size_t>(y + 1) * planes.y_stride};
    uint8_t* urow = planes.u + static_cast<size_t>(y / 2) * planes.u_stride;
    uint8_t* vrow = planes.v + static_cast<size_t>(y / 2) * planes.v_stride;
    for (int x = box.x; x < box.br().x; x += 2) {
      bool any = false;
      double sy = 0, sb = 0, sr = 0;
      for (int dy = 0; dy < 2; ++dy) {
        for (int dx = 0; dx < 2; ++dx) {
          const cv::Vec3b& p = row[dy][x + dx];
          const double l = luma(p);
          sy += l, sb += p[0], sr += p[2];
          if (!mrow[dy] || mrow[dy][x + dx]) {
            any = true;
            yrow[dy][x + dx] = Clamp8(y0 + ys * l / 255.0);
          }
        }
      }
      if (!any) continue;
      urow[x / 2] = Clamp8(128.0 + cb * (sb - sy) / 4.0);
      vrow[x / 2] = Clamp8(128.0 + cr * (sr - sy) / 4.0);
    }
  }
}

}  // namespace faceswap
