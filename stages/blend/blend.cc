#include "stages/blend/blend.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

namespace faceswap {

cv::Rect FaceBoxInFrame(const cv::Matx23d& frame_to_face, cv::Size size, cv::Size frame_size) {
  cv::Mat inv;
  cv::invertAffineTransform(cv::Mat(frame_to_face), inv);
  const cv::Matx23d m(inv);
  float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
  for (const cv::Point2d c : {cv::Point2d(0, 0), cv::Point2d(size.width, 0),
                              cv::Point2d(0, size.height), cv::Point2d(size.width, size.height)}) {
    const double x = m(0, 0) * c.x + m(0, 1) * c.y + m(0, 2);
    const double y = m(1, 0) * c.x + m(1, 1) * c.y + m(1, 2);
    x0 = std::min<float>(x0, x), y0 = std::min<float>(y0, y);
    x1 = std::max<float>(x1, x), y1 = std::max<float>(y1, y);
  }
  const cv::Rect box(cv::Point(static_cast<int>(std::floor(x0)), static_cast<int>(std::floor(y0))),
                     cv::Point(static_cast<int>(std::ceil(x1)) + 1,
                               static_cast<int>(std::ceil(y1)) + 1));
  return box & cv::Rect(cv::Point(0, 0), frame_size);
}

cv::Rect BlendFace(BlendMethod method, cv::Mat& frame, const cv::Mat& face, const cv::Mat& mask,
                   const cv::Matx23d& frame_to_face) {
  CV_Assert(frame.type() == CV_8UC3 && face.type() == CV_8UC3 && mask.type() == CV_32FC1 &&
            face.size() == mask.size());
  const cv::Rect roi = FaceBoxInFrame(frame_to_face, face.size(), frame.size());
  if (roi.empty()) return roi;
  // Face space -> ROI pixels: the inverse transform shifted by the ROI origin. WARP_INVERSE_MAP
  // with (frame_to_face shifted) avoids inverting twice.
  cv::Matx23d roi_to_face = frame_to_face;
  roi_to_face(0, 2) += frame_to_face(0, 0) * roi.x + frame_to_face(0, 1) * roi.y;
  roi_to_face(1, 2) += frame_to_face(1, 0) * roi.x + frame_to_face(1, 1) * roi.y;
  cv::Mat warped_face, warped_mask;
  cv::warpAffine(face, warped_face, cv::Mat(roi_to_face), roi.size(),
                 cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
  cv::warpAffine(mask, warped_mask, cv::Mat(roi_to_face), roi.size(),
                 cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::Mat target = frame(roi);

  if (method == BlendMethod::kSeamless) {
    cv::Mat binary;
    cv::compare(warped_mask, 0.5, binary, cv::CMP_GT);
    // seamlessClone needs the mask clear of the frame border.
    const bool inside = roi.x > 1 && roi.y > 1 && roi.br().x < frame.cols - 1 &&
                        roi.br().y < frame.rows - 1;
    const cv::Rect mb = cv::boundingRect(binary);
    if (inside && mb.area() > 16) {
      // seamlessClone centres the mask's bounding box on `centre`: computing it from the same
      // box puts the clone exactly where the warp put it (no frame-to-frame drift).
      const cv::Point centre(roi.x + mb.x + mb.width / 2, roi.y + mb.y + mb.height / 2);
      cv::Mat out;
      cv::seamlessClone(warped_face, frame, binary, centre, out, cv::NORMAL_CLONE);
      // Keep the feathered alpha edge: blend the cloned result over the frame by the mask.
      out(roi).copyTo(warped_face);
    }
  }

  // Alpha blend in float; where the mask is 0 the frame's value is reproduced exactly.
  cv::Mat f, t, m3;
  warped_face.convertTo(f, CV_32FC3);
  target.convertTo(t, CV_32FC3);
  cv::Mat channels[] = {warped_mask, warped_mask, warped_mask};
  cv::merge(channels, 3, m3);
  cv::Mat blended = t + (f - t).mul(m3);
  blended.convertTo(target, CV_8UC3);  // Rounds and saturates.
  return roi;
}

}  // namespace faceswap
