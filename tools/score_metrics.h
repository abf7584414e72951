// The measures `faceswap score` reports (README "Scoring a swap"): plain functions of boxes,
// 68-point landmarks (dlib/iBUG order, frame pixels) and 8-bit BGR frames, no I/O, so each can
// be tested on synthetic input. Undefined values (no pixels, no face) are NaN; the report
// writes them as null.
#pragma once

#include <array>

#include <cmath>
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

namespace faceswap {

// A matched output face must overlap its input face by more than this IoU.
constexpr double kMatchIoU = 0.3;
// PSNR of identical pixels (infinite) is reported as this many dB.
constexpr double kPsnrCap = 99.0;

// Intersection over union of two boxes; 0 when either is empty.
double BoxIoU(const cv::Rect2f& a, const cv::Rect2f& b);

// Greedy best-first matching of boxes `a` (input faces) to boxes `b` (output faces): the
// pairs with IoU > min_iou are taken in order of decreasing IoU, each box at most once.
// Returns, for each box of `a`, the index of its match in `b` or -1.
std::vector<int> MatchBoxes(const std::vector<cv::Rect2f>& a, const std::vector<cv::Rect2f>& b,
                            double min_iou = kMatchIoU);

// Distance between the eye centres (means of landmarks 36-41 and 42-47); NaN without 68
// landmarks.
double InterOcularDistance(const std::vector<cv::Point2f>& landmarks);

// Mean Euclidean distance between corresponding landmarks of `reference` and `other`, divided
// by the inter-ocular distance of `reference`. NaN unless both hold 68 points (and the eyes
// are apart).
double LandmarkError(const std::vector<cv::Point2f>& reference,
                     const std::vector<cv::Point2f>& other);

// LandmarkError split by the 68-point scheme's regions, to tell a lost expression (mouth, eyes)
// from the target's own face shape (jaw line, brows), which a swap is meant to bring.
enum LandmarkRegion { kJaw, kBrows, kNose, kEyes, kMouth, kNumLandmarkRegions };
const char* LandmarkRegionName(int region);  // "jaw", "brows", "nose", "eyes", "mouth".
// Each region's mean distance / inter-ocular distance of `reference`; all NaN as LandmarkError.
std::array<double, kNumLandmarkRegions> LandmarkRegionErrors(
    const std::vector<cv::Point2f>& reference, const std::vector<cv::Point2f>& other);

// Jitter of one face over three consecutive frames: the mean over the 68 points of the second
// difference |p(t-1) - 2 p(t) + p(t+1)| (acceleration: steady motion scores 0), divided by the
// inter-ocular distance at t. NaN unless all three hold 68 points.
double LandmarkJitter(const std::vector<cv::Point2f>& previous,
                      const std::vector<cv::Point2f>& current,
                      const std::vector<cv::Point2f>& next);

// PSNR of `b` against `a` (8-bit BGR, same size) over the pixels where `mask` (CV_8UC1, same
// size; empty = every pixel) is non-zero, all channels: 10 log10(255^2 / MSE). kPsnrCap when
// the pixels are identical (or the PSNR is higher), NaN when the mask selects no pixel.
double MaskedPsnr(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask);

// The ring along the boundary of `mask` (CV_8UC1): pixels within `half_width` px of it on
// either side (dilation minus erosion by a (2 half_width + 1)^2 ellipse). The frame's own
// border is not a boundary. Empty (all zero) for an empty or full mask.
cv::Mat SeamRing(const cv::Mat& mask, int half_width);

// Mean gradient energy (Sobel 3x3 gx^2 + gy^2 of the grey image, grey levels^2) over the
// non-zero pixels of `region`; NaN for an empty region.
double GradientEnergy(const cv::Mat& bgr, const cv::Mat& region);

// Mean gradient magnitude of the change grey(output) - grey(input) (Sobel 3x3 / 8: grey
// levels per px) over the non-zero pixels of `region`; NaN for an empty region. How abruptly
// the pasted pixels meet the frame's: 0 when nothing changed, high for a hard or mismatched
// edge even where the pasted face is blurred (which lowers GradientEnergy's ratio).
double ChangeStep(const cv::Mat& input, const cv::Mat& output, const cv::Mat& region);

struct SeamScore {
  double input = NAN;   // GradientEnergy of the input over the ring.
  double output = NAN;  // GradientEnergy of the output over the ring.
  double ratio = NAN;   // (output + 1) / (input + 1): 1 = no edge added, > 1 = a visible seam.
  double step = NAN;    // ChangeStep over the ring.
  int64_t ring_pixels = 0;
};
// Gradient energy along the boundary of the change mask, output against input.
SeamScore MeasureSeam(const cv::Mat& input, const cv::Mat& output, const cv::Mat& change_mask,
                      int half_width = 3);

struct ChangeMaskOptions {
  int threshold = 12;        // A pixel changed when any channel differs by more than this.
  int dilate = 2;            // Changed pixels are dilated by this many px (ellipse).
  double hull_growth = 1.2;  // Face hulls are scaled by this about their centroid.
};
// The faces' region: the convex hulls of each face's 68 landmarks, scaled by `growth` about
// their centroid, filled (CV_8UC1, 255 inside).
cv::Mat FaceHullMask(const cv::Size& size, const std::vector<std::vector<cv::Point2f>>& faces,
                     double growth);
// The change mask when convert's --mask-out is not at hand: pixels where any channel of
// |output - input| exceeds the threshold, dilated, kept only inside FaceHullMask of the input
// faces (encoder noise elsewhere is not the swap).
cv::Mat DerivedChangeMask(const cv::Mat& input, const cv::Mat& output,
                          const std::vector<std::vector<cv::Point2f>>& input_faces,
                          const ChangeMaskOptions& options = {});

// Mean and median of the finite values (NaN when there are none).
double FiniteMean(const std::vector<double>& values);
double FiniteMedian(std::vector<double> values);

}  // namespace faceswap
