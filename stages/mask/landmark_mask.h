// Face masks drawn from the 68 landmarks, and their erosion and feathering.
// Masks are CV_32FC1 in [0,1].
#pragma once

#include <vector>

#include <opencv2/core.hpp>

namespace faceswap {

enum class MaskShape {
  kHull,        // Convex hull of all 68 points with the brows raised to cover the forehead.
  kComponents,  // Union of part hulls (jaw sides + brows + nose, nose + mouth): follows the
                // face's outline more tightly than the hull where the cheeks curve in.
};

struct MaskRefineOptions {
  double erosion = 0.0;   // Fraction of the mask's size to erode (< 0 dilates).
  double feather = 0.08;  // Blur kernel as a fraction of the mask's size (0 = hard edge).
  bool gaussian = true;   // Gaussian feathering, else box.
};

// Applies a similarity/affine 2x3 matrix to points.
std::vector<cv::Point2f> TransformPoints(const std::vector<cv::Point2f>& points,
                                         const cv::Matx23d& m);

// Filled mask of `size` for 68 landmarks given in that mask's pixel coordinates.
cv::Mat LandmarkMask(MaskShape shape, const std::vector<cv::Point2f>& landmarks, cv::Size size);

// The part of a square crop that a pasted face may cover: 1 inside a rounded square (the
// superellipse |u|^4 + |v|^4 = 1 inscribed in the crop, u, v in [-1, 1]), fading smoothly to
// 0 at it over `fade` of the crop's half-size; CV_32FC1 of `size`. A landmark hull reaching
// past what the model renders (the jaw of a turned head, the chin and brows at coverage
// 0.625) is cut along this curve with a wide fade instead of along the crop's straight edge.
// fade <= 0: all ones.
cv::Mat CropFade(cv::Size size, double fade);

// Erodes/dilates and feathers in place. Feathering is done inside the eroded shape so the
// mask still reaches 0 at the original outline and at the crop's border (pixels outside
// either are never touched).
void RefineMask(cv::Mat& mask, const MaskRefineOptions& options);

}  // namespace faceswap
