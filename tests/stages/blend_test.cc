#include "stages/blend/blend.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "stages/mask/landmark_mask.h"
#include "tests/testing/dlib_xml.h"
#include "tests/testing/face_space.h"
#include "tests/testing/pixels.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

constexpr int kSize = 128;

struct Scene {
  cv::Mat frame;
  std::vector<cv::Point2f> landmarks;
  cv::Matx23d to_face;
};

Scene LoadScene(int index) {
  const auto images =
      testing::ReadDlibXml(testing::DlibExample("faces/testing_with_face_landmarks.xml"));
  Scene s;
  s.frame = cv::imread(images.at(index).path);
  EXPECT_FALSE(s.frame.empty());
  s.landmarks = images.at(index).faces.at(0).landmarks;
  // Upscaled crops as a model's output would be (faces here are ~50-100 px).
  s.to_face = testing::FaceTransform(s.landmarks, kSize);
  return s;
}

double Psnr(const cv::Mat& a, const cv::Mat& b) { return cv::PSNR(a, b); }

TEST(BlendFace, AlphaChangesOnlyInsideTheMask) {
  for (int i : {0, 1, 2, 3}) {
    Scene s = LoadScene(i);
    cv::Mat face;
    cv::resize(cv::imread(testing::DlibExample("johns/John_Simm/000288_00470387.jpg")), face,
               {kSize, kSize});
    cv::Mat mask = LandmarkMask(MaskShape::kHull, TransformPoints(s.landmarks, s.to_face),
                                {kSize, kSize});
    RefineMask(mask, {});
    cv::Mat out = s.frame.clone();
    BlendFace(BlendMethod::kAlpha, out, face, mask, s.to_face);

    // The hull in frame coordinates, grown by 2 px for interpolation.
    cv::Mat hull_frame(s.frame.size(), CV_32FC1, cv::Scalar(0));
    hull_frame = LandmarkMask(MaskShape::kHull, s.landmarks, s.frame.size());
    cv::dilate(hull_frame, hull_frame, cv::Mat::ones(5, 5, CV_8U));
    const cv::Mat changed = testing::ChangedPixels(out, s.frame);
    cv::Mat outside = changed & (hull_frame == 0);
    EXPECT_EQ(cv::countNonZero(outside), 0) << "pixels changed outside the mask, image " << i;
    EXPECT_GT(cv::countNonZero(changed), 200) << "the face should have been replaced";
  }
}

TEST(BlendFace, UnwarpOfAnAlignedCropLandsOnTheOriginal) {
  for (int i : {0, 1, 2}) {
    Scene s = LoadScene(i);
    cv::Mat aligned;
    cv::warpAffine(s.frame, aligned, cv::Mat(s.to_face), {kSize, kSize}, cv::INTER_CUBIC);
    const cv::Mat ones(kSize, kSize, CV_32FC1, cv::Scalar(1));
    const cv::Rect roi = FaceBoxInFrame(s.to_face, {kSize, kSize}, s.frame.size());
    // Compare inside the face (eroded hull): un-warped pixels must match the original.
    cv::Mat inner = LandmarkMask(MaskShape::kHull, s.landmarks, s.frame.size());
    cv::erode(inner, inner, cv::Mat::ones(5, 5, CV_8U));
    cv::Mat inner8 = inner > 0.5;
    auto error_with = [&](const cv::Matx23d& m) {
      cv::Mat canvas(s.frame.size(), CV_8UC3, cv::Scalar(0, 0, 0));
      BlendFace(BlendMethod::kAlpha, canvas, aligned, ones, m);
      cv::Mat a, b;
      s.frame.copyTo(a, inner8);
      canvas.copyTo(b, inner8);
      return Psnr(a(roi), b(roi));
    };
    const double exact = error_with(s.to_face);
    cv::Matx23d shifted = s.to_face;  // The same crop pasted 1 px off.
    shifted(0, 2) += s.to_face(0, 0);
    const double off = error_with(shifted);
    EXPECT_GT(exact, 24.0) << "image " << i;
    EXPECT_GT(exact, off + 1.0) << "a 1 px shift must be measurably worse (image " << i << ")";
  }
}

TEST(BlendFace, SeamlessStaysInsideTheFaceBox) {
  Scene s = LoadScene(1);
  cv::Mat face;
  cv::resize(cv::imread(testing::DlibExample("johns/John_Savage/000264_01099001.jpg")), face,
             {kSize, kSize});
  cv::Mat mask = LandmarkMask(MaskShape::kHull, TransformPoints(s.landmarks, s.to_face),
                              {kSize, kSize});
  RefineMask(mask, {});
  cv::Mat out = s.frame.clone();
  const cv::Rect roi = BlendFace(BlendMethod::kSeamless, out, face, mask, s.to_face);
  cv::Mat diff;
  cv::absdiff(out, s.frame, diff);
  cv::Mat outside = diff.clone();
  outside(roi).setTo(0);
  EXPECT_EQ(cv::norm(outside, cv::NORM_INF), 0.0);
  EXPECT_GT(cv::norm(diff(roi), cv::NORM_L1), 1000.0);
}

}  // namespace
}  // namespace faceswap
