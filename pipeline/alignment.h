// The one alignment convention of the project: how a face in a frame maps to an aligned crop.
//
// Landmarks 17-67 of dlib's 68-point (iBUG) layout -- brows, nose, eyes, mouth; the jaw
// line is left out because it moves with expression and pose -- are fitted with a
// similarity transform (Umeyama, rotation + uniform scale + translation, no reflection)
// onto a fixed 51-point mean face given in unit-square coordinates ([0,1]^2, x right,
// y down). The unit square is then placed inside a square crop of `size` pixels with a
// margin of `padding * size` on every side:
//
//     aligned_px = unit * size * (1 - 2 * padding) + size * padding
//
// The default (256 px, padding 0.1875 = 48 px) is the classic faceswap extract layout: the
// crop shows the whole head, and a model that wants less ("coverage") crops the centre.
// This file is the only place that knows these numbers; the alignments file records them
// (see pipeline/ALIGNMENTS.md) so that readers never guess.
#pragma once

#include <array>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace faceswap {

// Number of landmarks the 68-point model produces, and the range used for alignment.
constexpr int kNumLandmarks = 68;
constexpr int kFirstAlignLandmark = 17;  // Landmarks [17, 68) are aligned: 51 points.
constexpr int kNumMeanFacePoints = kNumLandmarks - kFirstAlignLandmark;

// The standard 51-point mean face (landmarks 17..67) in unit-square coordinates. These are
// the values used by the original deepfakes/faceswap and DeepFaceLab "umeyama" alignment.
const std::array<cv::Point2d, kNumMeanFacePoints>& MeanFace();

struct AlignmentConvention {
  int size = 256;           // Edge of the aligned crop in pixels.
  double padding = 0.1875;  // Margin around the unit square, as a fraction of `size`.
  std::string Check() const;
  // Maps unit-square coordinates to aligned-crop pixels.
  cv::Point2d UnitToAligned(const cv::Point2d& unit) const;
  // The mean face (51 points) in aligned-crop pixels.
  std::vector<cv::Point2d> Template() const;
  // Template eye centres in aligned pixels: [0] = mean of landmarks 36-41 (subject's right
  // eye, image left), [1] = mean of landmarks 42-47.
  std::array<cv::Point2d, 2> TemplateEyeCentres() const;
  bool operator==(const AlignmentConvention& o) const {
    return size == o.size && padding == o.padding;
  }
};

// Least-squares similarity transform (rotation, uniform scale, translation) taking `src`
// to `dst` (Umeyama 1991). Needs at least 2 distinct points; both vectors the same length.
cv::Matx23d UmeyamaSimilarity(const std::vector<cv::Point2d>& src,
                              const std::vector<cv::Point2d>& dst);

// The frame -> aligned-crop matrix for 68 landmarks (frame pixels) under `convention`.
// Throws std::invalid_argument when `landmarks` does not hold 68 points.
cv::Matx23d FrameToAligned(const std::vector<cv::Point2f>& landmarks,
                           const AlignmentConvention& convention);

// The aligned crop (size x size, bilinear, border replicated) for a frame->aligned matrix.
cv::Mat WarpToAligned(const cv::Mat& frame, const cv::Matx23d& frame_to_aligned, int size);

// Applies a 2x3 affine matrix to a point.
cv::Point2d Transform(const cv::Matx23d& m, const cv::Point2d& p);

// Mean of landmarks [first, last) after transforming them by `m`.
cv::Point2d TransformedMean(const std::vector<cv::Point2f>& landmarks, const cv::Matx23d& m,
                            int first, int last);

}  // namespace faceswap
