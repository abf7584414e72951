// The measures of `faceswap score` (tools/score_metrics.h) on synthetic boxes, landmarks and
// images whose right answers are known.
#include "tools/score_metrics.h"

#include <gtest/gtest.h>

#include <cstdio>

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "pipeline/alignment.h"

namespace faceswap {
namespace {

// 68 plausible landmarks: the alignment template (points 17-67) at `size` px plus a jaw arc,
// moved by `offset`.
std::vector<cv::Point2f> Face68(double size = 200, cv::Point2f offset = {0, 0}) {
  AlignmentConvention c;
  c.size = static_cast<int>(size);
  std::vector<cv::Point2f> p;
  for (int i = 0; i < kFirstAlignLandmark; ++i) {
    const double a = CV_PI * i / (kFirstAlignLandmark - 1);
    p.emplace_back(static_cast<float>(size / 2 - 0.35 * size * std::cos(a)),
                   static_cast<float>(size / 2 + 0.3 * size * std::sin(a)));
  }
  for (const auto& q : c.Template()) p.emplace_back(static_cast<float>(q.x), static_cast<float>(q.y));
  for (auto& q : p) q += offset;
  return p;
}

// A smooth, textured 8-bit BGR image (low-frequency waves: little gradient anywhere).
cv::Mat Smooth(int w = 320, int h = 240) {
  cv::Mat img(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      img.at<cv::Vec3b>(y, x) = cv::Vec3b(
          cv::saturate_cast<uchar>(128 + 60 * std::sin(x / 23.0) * std::cos(y / 31.0)),
          cv::saturate_cast<uchar>(100 + 0.3 * x), cv::saturate_cast<uchar>(90 + 0.4 * y));
    }
  }
  return img;
}

TEST(ScoreMetrics, BoxIoU) {
  const cv::Rect2f a(0, 0, 10, 10);
  EXPECT_DOUBLE_EQ(BoxIoU(a, a), 1.0);
  EXPECT_DOUBLE_EQ(BoxIoU(a, cv::Rect2f(20, 0, 10, 10)), 0.0);
  EXPECT_NEAR(BoxIoU(a, cv::Rect2f(5, 0, 10, 10)), 50.0 / 150.0, 1e-9);
  EXPECT_DOUBLE_EQ(BoxIoU(a, cv::Rect2f()), 0.0);
}

TEST(ScoreMetrics, MatchBoxesIsGreedyBestFirstAboveThreshold) {
  const std::vector<cv::Rect2f> in = {{0, 0, 10, 10}, {100, 0, 10, 10}, {300, 0, 10, 10}};
  // Output: the second face first, the first face shifted a little, nothing near the third.
  const std::vector<cv::Rect2f> out = {{101, 0, 10, 10}, {2, 0, 10, 10}, {500, 0, 10, 10}};
  EXPECT_EQ(MatchBoxes(in, out), (std::vector<int>{1, 0, -1}));
  // Two input boxes want the same output box: the better overlap gets it, the other none.
  const std::vector<cv::Rect2f> two = {{0, 0, 10, 10}, {3, 0, 10, 10}};
  EXPECT_EQ(MatchBoxes(two, {{3, 0, 10, 10}}), (std::vector<int>{-1, 0}));
  // IoU 1/3 passes 0.3; a stricter threshold rejects it.
  EXPECT_EQ(MatchBoxes({{0, 0, 10, 10}}, {{5, 0, 10, 10}}), (std::vector<int>{0}));
  EXPECT_EQ(MatchBoxes({{0, 0, 10, 10}}, {{5, 0, 10, 10}}, 0.5), (std::vector<int>{-1}));
  EXPECT_TRUE(MatchBoxes({}, out).empty());
  EXPECT_EQ(MatchBoxes(in, {}), (std::vector<int>{-1, -1, -1}));
}

TEST(ScoreMetrics, InterOcularDistanceIsBetweenEyeCentres) {
  const std::vector<cv::Point2f> face = Face68();
  AlignmentConvention c;
  c.size = 200;
  const auto eyes = c.TemplateEyeCentres();
  EXPECT_NEAR(InterOcularDistance(face), cv::norm(eyes[0] - eyes[1]), 1e-3);
  EXPECT_TRUE(std::isnan(InterOcularDistance({{0, 0}, {1, 1}})));
}

TEST(ScoreMetrics, LandmarkErrorIsMeanDistanceOverInterOcular) {
  const std::vector<cv::Point2f> face = Face68();
  const double iod = InterOcularDistance(face);
  EXPECT_DOUBLE_EQ(LandmarkError(face, face), 0.0);
  EXPECT_NEAR(LandmarkError(face, Face68(200, {3, 4})), 5.0 / iod, 1e-6);
  // One point off by 68 px: the mean distance is 1 px.
  std::vector<cv::Point2f> one = face;
  one[30].x += 68;
  EXPECT_NEAR(LandmarkError(face, one), 1.0 / iod, 1e-6);
  EXPECT_TRUE(std::isnan(LandmarkError(face, {})));
}

// An open mouth (the 20 mouth points 6 px lower) shows only in the mouth region; a wider jaw
// only in the jaw; the regions' means weighted by their point counts give LandmarkError.
TEST(ScoreMetrics, RegionErrorsTellTheMouthFromTheJaw) {
  const std::vector<cv::Point2f> face = Face68();
  const double iod = InterOcularDistance(face);
  std::vector<cv::Point2f> open = face;
  for (int i = 48; i < 68; ++i) open[i].y += 6;
  auto e = LandmarkRegionErrors(face, open);
  EXPECT_NEAR(e[kMouth], 6.0 / iod, 1e-6);
  for (int r : {kJaw, kBrows, kNose, kEyes}) EXPECT_DOUBLE_EQ(e[r], 0.0) << LandmarkRegionName(r);
  std::vector<cv::Point2f> wide = face;
  for (int i = 0; i < 17; ++i) wide[i].x += (i < 8 ? -4.f : i > 8 ? 4.f : 0.f);
  e = LandmarkRegionErrors(face, wide);
  EXPECT_NEAR(e[kJaw], 16 * 4.0 / 17 / iod, 1e-6);
  EXPECT_DOUBLE_EQ(e[kMouth], 0.0);
  const int counts[kNumLandmarkRegions] = {17, 10, 9, 12, 20};
  double weighted = 0.0;
  for (int r = 0; r < kNumLandmarkRegions; ++r) weighted += counts[r] * e[r] / 68.0;
  EXPECT_NEAR(weighted, LandmarkError(face, wide), 1e-9);
  EXPECT_TRUE(std::isnan(LandmarkRegionErrors(face, {})[kEyes]));
  EXPECT_STREQ(LandmarkRegionName(kBrows), "brows");
}

TEST(ScoreMetrics, JitterIsSecondDifferenceOverInterOcular) {
  const double iod = InterOcularDistance(Face68());
  // Still and steadily moving faces do not jitter.
  EXPECT_DOUBLE_EQ(LandmarkJitter(Face68(), Face68(), Face68()), 0.0);
  EXPECT_NEAR(LandmarkJitter(Face68(200, {0, 0}), Face68(200, {5, 2}), Face68(200, {10, 4})), 0.0,
              1e-5);
  // A middle frame 3 px off: |p - 2(p + 3) + p| = 6 px at every point.
  EXPECT_NEAR(LandmarkJitter(Face68(), Face68(200, {3, 0}), Face68()), 6.0 / iod, 1e-5);
  EXPECT_TRUE(std::isnan(LandmarkJitter(Face68(), {}, Face68())));
}

TEST(ScoreMetrics, PsnrOfIdenticalPixelsIsTheCap) {
  const cv::Mat img = Smooth();
  EXPECT_DOUBLE_EQ(MaskedPsnr(img, img, cv::Mat()), kPsnrCap);
  EXPECT_DOUBLE_EQ(MaskedPsnr(img, img.clone(), cv::Mat(img.size(), CV_8UC1, cv::Scalar(255))),
                   kPsnrCap);
  EXPECT_TRUE(std::isnan(MaskedPsnr(img, img, cv::Mat::zeros(img.size(), CV_8UC1))));
}

TEST(ScoreMetrics, PsnrInsideAndOutsideTheMaskOfAKnownPerturbation) {
  const cv::Mat a(100, 100, CV_8UC3, cv::Scalar(100, 100, 100));
  cv::Mat b = a.clone();
  cv::Mat mask = cv::Mat::zeros(a.size(), CV_8UC1);
  const cv::Rect inside(20, 20, 40, 30);
  mask(inside).setTo(255);
  b(inside) += cv::Scalar(10, 10, 10);  // Inside: every channel off by 10 -> MSE 100.
  // Outside: the blue channel of 1000 pixels off by 6 -> SSE 36000 over (10000-1200)*3 values.
  int changed = 0;
  for (int y = 70; y < 100 && changed < 1000; ++y) {
    for (int x = 0; x < 100 && changed < 1000; ++x, ++changed) b.at<cv::Vec3b>(y, x)[0] += 6;
  }
  const double inside_psnr = 10 * std::log10(255.0 * 255.0 / 100.0);
  const double outside_psnr = 10 * std::log10(255.0 * 255.0 / (36000.0 / (8800.0 * 3)));
  EXPECT_NEAR(MaskedPsnr(a, b, mask), inside_psnr, 1e-9);
  EXPECT_NEAR(MaskedPsnr(a, b, mask == 0), outside_psnr, 1e-9);
  EXPECT_LT(MaskedPsnr(a, b, mask), MaskedPsnr(a, b, mask == 0));
}

TEST(ScoreMetrics, SeamRingFollowsTheMaskBoundaryOnly) {
  cv::Mat mask = cv::Mat::zeros(100, 100, CV_8UC1);
  EXPECT_EQ(cv::countNonZero(SeamRing(mask, 3)), 0);
  EXPECT_EQ(cv::countNonZero(SeamRing(cv::Mat(100, 100, CV_8UC1, cv::Scalar(255)), 3)), 0);
  mask(cv::Rect(30, 30, 40, 40)).setTo(255);
  const cv::Mat ring = SeamRing(mask, 3);
  EXPECT_EQ(ring.at<uchar>(30, 50), 255);  // On the edge,
  EXPECT_EQ(ring.at<uchar>(27, 50), 255);  // 3 px outside,
  EXPECT_EQ(ring.at<uchar>(32, 50), 255);  // 2 px inside,
  EXPECT_EQ(ring.at<uchar>(50, 50), 0);    // not the middle,
  EXPECT_EQ(ring.at<uchar>(10, 10), 0);    // nor far outside.
  // A region touching the frame's border has no seam along the border.
  cv::Mat left = cv::Mat::zeros(100, 100, CV_8UC1);
  left(cv::Rect(0, 0, 50, 100)).setTo(255);
  EXPECT_EQ(SeamRing(left, 3).at<uchar>(50, 0), 0);
}

TEST(ScoreMetrics, SeamOfIdenticalFramesIsOne) {
  const cv::Mat img = Smooth();
  cv::Mat mask = cv::Mat::zeros(img.size(), CV_8UC1);
  cv::circle(mask, {160, 120}, 60, cv::Scalar(255), cv::FILLED);
  const SeamScore s = MeasureSeam(img, img, mask);
  EXPECT_DOUBLE_EQ(s.ratio, 1.0);
  EXPECT_DOUBLE_EQ(s.step, 0.0);
  EXPECT_GT(s.ring_pixels, 0);
  EXPECT_TRUE(std::isnan(MeasureSeam(img, img, cv::Mat::zeros(img.size(), CV_8UC1)).ratio));
}

TEST(ScoreMetrics, ShiftedHardPasteRaisesTheSeamAndABlendedOneLess) {
  const cv::Mat in = Smooth();
  const cv::Rect region(100, 60, 120, 120);
  cv::Mat mask = cv::Mat::zeros(in.size(), CV_8UC1);
  mask(region).setTo(255);
  // The face region pasted back 7 px right and 5 px down of where it came from.
  cv::Mat hard = in.clone();
  in(region - cv::Point(7, 5)).copyTo(hard(region));
  const SeamScore s = MeasureSeam(in, hard, mask);
  EXPECT_GT(s.ratio, 2.0) << "input " << s.input << " output " << s.output;
  // The same paste feathered over 15 px: a softer edge, a lower seam score.
  cv::Mat alpha;
  mask.convertTo(alpha, CV_32F, 1.0 / 255);
  cv::GaussianBlur(alpha, alpha, cv::Size(31, 31), 8);
  cv::Mat shifted = in.clone(), soft(in.size(), CV_8UC3);
  in(region - cv::Point(7, 5)).copyTo(shifted(region));
  for (int y = 0; y < in.rows; ++y) {
    for (int x = 0; x < in.cols; ++x) {
      const float w = alpha.at<float>(y, x);
      for (int c = 0; c < 3; ++c) {
        soft.at<cv::Vec3b>(y, x)[c] = cv::saturate_cast<uchar>(
            w * shifted.at<cv::Vec3b>(y, x)[c] + (1 - w) * in.at<cv::Vec3b>(y, x)[c]);
      }
    }
  }
  const SeamScore blended = MeasureSeam(in, soft, mask);
  EXPECT_LT(blended.ratio - 1, 0.5 * (s.ratio - 1)) << "hard " << s.ratio << " blended "
                                                   << blended.ratio;
}

// A blurred face slightly brighter than the frame, pasted with a short fade (as a soft model
// output meets the cheek): the blur keeps the gradient-energy ratio low although the edge is
// visible; the step measure sees it (and is small for the same paste at the frame's brightness).
TEST(ScoreMetrics, SeamStepSeesABrightnessEdgeThatTheRatioMisses) {
  cv::Mat noise(240, 320, CV_32F), in;
  cv::RNG rng(4);
  rng.fill(noise, cv::RNG::NORMAL, 0, 30);
  cv::GaussianBlur(noise, noise, cv::Size(0, 0), 1.0);
  cv::Mat grey = noise + 120;
  grey.convertTo(grey, CV_8U);
  cv::cvtColor(grey, in, cv::COLOR_GRAY2BGR);
  cv::Mat mask = cv::Mat::zeros(in.size(), CV_8UC1);
  cv::circle(mask, {160, 120}, 70, cv::Scalar(255), cv::FILLED);
  cv::Mat alpha, inner;
  cv::erode(mask, inner, cv::getStructuringElement(cv::MORPH_ELLIPSE, {9, 9}));
  inner.convertTo(alpha, CV_32F, 1.0 / 255);
  cv::GaussianBlur(alpha, alpha, cv::Size(0, 0), 1.5);  // ~4 px fade, inside the mask
  cv::Mat soft;
  cv::GaussianBlur(in, soft, cv::Size(0, 0), 4);
  auto paste = [&](double brighter) {
    cv::Mat out = in.clone();
    for (int y = 0; y < in.rows; ++y) {
      for (int x = 0; x < in.cols; ++x) {
        const float w = alpha.at<float>(y, x);
        for (int c = 0; c < 3; ++c) {
          out.at<cv::Vec3b>(y, x)[c] = cv::saturate_cast<uchar>(
              w * (soft.at<cv::Vec3b>(y, x)[c] + brighter) + (1 - w) * in.at<cv::Vec3b>(y, x)[c]);
        }
      }
    }
    return out;
  };
  const SeamScore matched = MeasureSeam(in, paste(0), mask);
  const SeamScore bright = MeasureSeam(in, paste(30), mask);
  std::printf("seam ratio/step: matched %.2f / %.2f, brighter %.2f / %.2f\n", matched.ratio,
              matched.step, bright.ratio, bright.step);
  EXPECT_LT(bright.ratio, 1.3) << "the ratio misses this edge";
  EXPECT_GT(bright.step, 2 * matched.step) << "matched " << matched.step << " bright "
                                            << bright.step;
}

TEST(ScoreMetrics, FaceHullMaskGrowsAboutTheCentre) {
  const std::vector<cv::Point2f> face = Face68(200, {60, 20});
  const cv::Mat tight = FaceHullMask({320, 240}, {face}, 1.0);
  const cv::Mat grown = FaceHullMask({320, 240}, {face}, 1.2);
  const double ratio = static_cast<double>(cv::countNonZero(grown)) / cv::countNonZero(tight);
  EXPECT_NEAR(ratio, 1.44, 0.06);  // Area grows with the square of the scale.
  EXPECT_EQ(cv::countNonZero(tight & ~grown), 0);
  EXPECT_EQ(cv::countNonZero(FaceHullMask({320, 240}, {}, 1.2)), 0);
}

TEST(ScoreMetrics, DerivedChangeMaskKeepsLargeChangesInsideTheFaces) {
  const cv::Mat in = Smooth();
  const std::vector<cv::Point2f> face = Face68(160, {80, 40});
  cv::Mat out = in.clone();
  out(cv::Rect(140, 100, 20, 20)) += cv::Scalar(0, 0, 40);  // In the face: kept.
  out(cv::Rect(0, 0, 20, 20)) += cv::Scalar(40, 0, 0);      // Outside the face: not the swap.
  out(cv::Rect(120, 150, 10, 10)) += cv::Scalar(8, 8, 8);   // In the face, below threshold.
  const cv::Mat mask = DerivedChangeMask(in, out, {face});
  EXPECT_EQ(mask.at<uchar>(110, 150), 255);
  EXPECT_EQ(mask.at<uchar>(99, 150), 255);  // Dilated by 2 px.
  EXPECT_EQ(mask.at<uchar>(10, 10), 0);
  EXPECT_EQ(mask.at<uchar>(155, 125), 0);
  ChangeMaskOptions o;
  o.dilate = 0;
  EXPECT_EQ(cv::countNonZero(DerivedChangeMask(in, out, {face}, o)), 400);
  EXPECT_EQ(cv::countNonZero(DerivedChangeMask(in, in, {face})), 0);
}

TEST(ScoreMetrics, MeanAndMedianSkipUndefinedValues) {
  EXPECT_DOUBLE_EQ(FiniteMean({1, NAN, 3}), 2.0);
  EXPECT_DOUBLE_EQ(FiniteMedian({5, NAN, 1, 3}), 3.0);
  EXPECT_DOUBLE_EQ(FiniteMedian({4, 1, 3, 2}), 2.5);
  EXPECT_TRUE(std::isnan(FiniteMean({NAN})));
  EXPECT_TRUE(std::isnan(FiniteMedian({})));
}

}  // namespace
}  // namespace faceswap
