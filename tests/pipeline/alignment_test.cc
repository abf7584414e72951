#include "pipeline/alignment.h"

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>
#include <random>

namespace faceswap {
namespace {

// Landmarks of the mean face placed in a frame by a known similarity (jaw points arbitrary).
std::vector<cv::Point2f> MeanFaceLandmarks(double scale, double angle_deg, cv::Point2d shift) {
  const double a = angle_deg * CV_PI / 180.0;
  std::vector<cv::Point2f> lm(kNumLandmarks, cv::Point2f(0, 0));
  for (int i = 0; i < kNumMeanFacePoints; ++i) {
    const auto& p = MeanFace()[i];
    lm[kFirstAlignLandmark + i] =
        cv::Point2f(static_cast<float>(scale * (std::cos(a) * p.x - std::sin(a) * p.y) + shift.x),
                    static_cast<float>(scale * (std::sin(a) * p.x + std::cos(a) * p.y) + shift.y));
  }
  return lm;
}

TEST(Alignment, DefaultConventionIsClassicLayout) {
  AlignmentConvention c;
  EXPECT_EQ(c.size, 256);
  EXPECT_EQ(c.Check(), "");
  // Unit square corners land 48 px inside the crop.
  EXPECT_NEAR(c.UnitToAligned({0, 0}).x, 48.0, 1e-9);
  EXPECT_NEAR(c.UnitToAligned({1, 1}).y, 208.0, 1e-9);
  const auto eyes = c.TemplateEyeCentres();
  EXPECT_LT(eyes[0].x, eyes[1].x);  // Image-left eye first.
  EXPECT_NEAR(eyes[0].y, eyes[1].y, 1e-6);
  AlignmentConvention bad;
  bad.padding = 0.6;
  EXPECT_NE(bad.Check().find("padding"), std::string::npos);
}

TEST(Alignment, UmeyamaRecoversKnownSimilarity) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-50, 50);
  std::vector<cv::Point2d> src, dst;
  const double s = 1.7, a = 0.4, tx = 12.5, ty = -3.0;
  for (int i = 0; i < 20; ++i) {
    const cv::Point2d p(u(rng), u(rng));
    src.push_back(p);
    dst.emplace_back(s * (std::cos(a) * p.x - std::sin(a) * p.y) + tx,
                     s * (std::sin(a) * p.x + std::cos(a) * p.y) + ty);
  }
  const cv::Matx23d m = UmeyamaSimilarity(src, dst);
  EXPECT_NEAR(m(0, 0), s * std::cos(a), 1e-9);
  EXPECT_NEAR(m(0, 1), -s * std::sin(a), 1e-9);
  EXPECT_NEAR(m(1, 0), s * std::sin(a), 1e-9);
  EXPECT_NEAR(m(0, 2), tx, 1e-9);
  EXPECT_NEAR(m(1, 2), ty, 1e-9);
}

TEST(Alignment, UmeyamaNeverReflects) {
  // dst is src mirrored: the best similarity without reflection is not a mirror.
  std::vector<cv::Point2d> src = {{0, 0}, {10, 0}, {0, 5}, {3, 7}};
  std::vector<cv::Point2d> dst;
  for (const auto& p : src) dst.emplace_back(-p.x, p.y);
  const cv::Matx23d m = UmeyamaSimilarity(src, dst);
  const double det = m(0, 0) * m(1, 1) - m(0, 1) * m(1, 0);
  EXPECT_GE(det, 0.0);
}

TEST(Alignment, FrameToAlignedMapsLandmarksOntoTemplate) {
  AlignmentConvention c;
  const auto lm = MeanFaceLandmarks(150.0, -12.0, {320, 200});
  const cv::Matx23d m = FrameToAligned(lm, c);
  const auto tpl = c.Template();
  for (int i = 0; i < kNumMeanFacePoints; ++i) {
    const cv::Point2d p = Transform(m, cv::Point2d(lm[kFirstAlignLandmark + i]));
    EXPECT_NEAR(p.x, tpl[i].x, 1e-3);
    EXPECT_NEAR(p.y, tpl[i].y, 1e-3);
  }
  const auto eyes = c.TemplateEyeCentres();
  const cv::Point2d left = TransformedMean(lm, m, 36, 42);
  EXPECT_NEAR(cv::norm(left - eyes[0]), 0.0, 1e-3);
  EXPECT_THROW(FrameToAligned(std::vector<cv::Point2f>(5), c), std::invalid_argument);
}

TEST(Alignment, WarpPutsMarkedPixelAtItsAlignedPosition) {
  // A bright dot at the left-eye centre of a synthetic face must land on the template's eye.
  AlignmentConvention c;
  const auto lm = MeanFaceLandmarks(200.0, 20.0, {300, 150});
  cv::Mat frame(480, 640, CV_8UC3, cv::Scalar(0, 0, 0));
  cv::Point2d eye(0, 0);
  for (int i = 36; i < 42; ++i) eye += cv::Point2d(lm[i]);
  eye *= 1.0 / 6;
  cv::circle(frame, cv::Point(cvRound(eye.x), cvRound(eye.y)), 3, cv::Scalar(255, 255, 255),
             cv::FILLED);
  const cv::Mat aligned = WarpToAligned(frame, FrameToAligned(lm, c), c.size);
  ASSERT_EQ(aligned.size(), cv::Size(256, 256));
  cv::Mat gray;
  cv::cvtColor(aligned, gray, cv::COLOR_BGR2GRAY);
  const cv::Moments mo = cv::moments(gray, false);
  ASSERT_GT(mo.m00, 0.0);
  const cv::Point2d found(mo.m10 / mo.m00, mo.m01 / mo.m00);
  EXPECT_LT(cv::norm(found - c.TemplateEyeCentres()[0]), 1.5);
}

}  // namespace
}  // namespace faceswap
