// The measures `faceswap sort` ranks face crops by: plain functions of an aligned crop and its
// 68 landmarks (dlib/iBUG order), so each can be tested on its own.
#pragma once

#include <opencv2/core.hpp>
#include <vector>

namespace faceswap {

// Sharpness: variance of the Laplacian of the grey crop over the inner face (the convex hull
// of landmarks 17-67: brows, eyes, nose, mouth; no background, little hair). The crop is first
// resized to 256 px so crops of different sizes compare. `crop_landmarks` are in crop pixels;
// empty: the hull of the default alignment template (pipeline/alignment.h), which is where an
// aligned crop has those landmarks. Higher is sharper; 0 for an empty crop.
double BlurScore(const cv::Mat& bgr, const std::vector<cv::Point2f>& crop_landmarks);

// Face size: sqrt(width * height) of the landmarks' bounding box, in the landmarks' pixels.
double LandmarkExtent(const std::vector<cv::Point2f>& landmarks);

// Yaw estimate in degrees from 68 landmarks (any pixel space): with the roll removed (eye
// line level), atan of the nose tip's (30) offset from the midpoint of the jaw ends (0, 16)
// over half the jaw width. 0 = frontal; positive when the nose points to the image's right.
// A 2-D estimate (about right to +-45 degrees, saturating towards profiles), good for ranking.
double YawDegrees(const std::vector<cv::Point2f>& landmarks);

// Alignment error: RMS distance of landmarks 17-67 to the 51-point mean face after their best
// similarity fit (the fit extract's alignment makes), in units of the mean face's size (the
// unit square). Typical faces score 0.02-0.05; misfitted landmarks, profiles and faces that
// are not faces score higher.
double AlignmentError(const std::vector<cv::Point2f>& landmarks);

}  // namespace faceswap
