// Pasting a generated face back into its frame (the un-warp of convert).
#pragma once

#include <opencv2/core.hpp>

namespace faceswap {

enum class BlendMethod {
  kAlpha,     // frame = face * mask + frame * (1 - mask); pixels where mask == 0 stay bit-exact.
  kSeamless,  // Poisson blending (cv::seamlessClone) inside mask > 0.5, placed at a centre
              // computed from the face transform, so it cannot drift between frames.
};

// Warps `face` (CV_8UC3) and `mask` (CV_32FC1 [0,1], same size) from face space back into
// `frame` through the inverse of `frame_to_face` and blends them in place. Only the face's
// bounding box in the frame is touched. Returns that box (clipped to the frame).
cv::Rect BlendFace(BlendMethod method, cv::Mat& frame, const cv::Mat& face, const cv::Mat& mask,
                   const cv::Matx23d& frame_to_face);

// Bounding box in the frame of a face-space square of `size` under the inverse transform.
cv::Rect FaceBoxInFrame(const cv::Matx23d& frame_to_face, cv::Size size, cv::Size frame_size);

}  // namespace faceswap
