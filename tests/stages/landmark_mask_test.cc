#include "stages/mask/landmark_mask.h"

#include <gtest/gtest.h>

#include "tests/testing/dlib_xml.h"
#include "tests/testing/face_space.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

constexpr int kSize = 128;

std::vector<std::vector<cv::Point2f>> GoldenFacesInFaceSpace() {
  std::vector<std::vector<cv::Point2f>> out;
  for (const auto& img :
       testing::ReadDlibXml(testing::DlibExample("faces/testing_with_face_landmarks.xml"))) {
    for (const auto& f : img.faces) {
      out.push_back(TransformPoints(f.landmarks, testing::FaceTransform(f.landmarks, kSize)));
    }
  }
  EXPECT_GE(out.size(), 5u);
  return out;
}

double Area(const cv::Mat& m) { return cv::sum(m)[0]; }

TEST(LandmarkMask, HullCoversInnerFaceAndNotTheCorners) {
  for (const auto& lm : GoldenFacesInFaceSpace()) {
    for (MaskShape shape : {MaskShape::kHull, MaskShape::kComponents}) {
      const cv::Mat m = LandmarkMask(shape, lm, {kSize, kSize});
      double lo, hi;
      cv::minMaxLoc(m, &lo, &hi);
      EXPECT_GE(lo, 0.0);
      EXPECT_LE(hi, 1.0);
      for (int i : {30, 33, 36, 45, 48, 54, 62}) {  // Nose, eyes, mouth.
        EXPECT_FLOAT_EQ(m.at<float>(cvRound(lm[i].y), cvRound(lm[i].x)), 1.f) << "point " << i;
      }
      EXPECT_EQ(m.at<float>(0, 0), 0.f);
      EXPECT_EQ(m.at<float>(kSize - 1, kSize - 1), 0.f);
    }
  }
}

TEST(LandmarkMask, ComponentsLieInsideHull) {
  for (const auto& lm : GoldenFacesInFaceSpace()) {
    const cv::Mat hull = LandmarkMask(MaskShape::kHull, lm, {kSize, kSize});
    const cv::Mat parts = LandmarkMask(MaskShape::kComponents, lm, {kSize, kSize});
    EXPECT_LE(Area(parts), Area(hull) * 1.01);
    EXPECT_GT(Area(parts), Area(hull) * 0.7);
  }
}

TEST(LandmarkMask, FeatheringStaysInShapeAndHasSoftEdges) {
  for (const auto& lm : GoldenFacesInFaceSpace()) {
    const cv::Mat hard = LandmarkMask(MaskShape::kHull, lm, {kSize, kSize});
    for (bool gaussian : {true, false}) {
      cv::Mat soft = hard.clone();
      RefineMask(soft, {0.0, 0.1, gaussian});
      double lo, hi;
      cv::minMaxLoc(soft, &lo, &hi);
      EXPECT_GE(lo, 0.0);
      EXPECT_LE(hi, 1.0 + 1e-6);
      EXPECT_GT(hi, 0.99) << "the face centre should stay fully opaque";
      cv::Mat grew;
      cv::compare(soft, hard + 1e-6, grew, cv::CMP_GT);
      EXPECT_EQ(cv::countNonZero(grew), 0) << "feathering must not grow the mask";
      cv::Mat edge = (soft > 0.05) & (soft < 0.95);
      EXPECT_GT(cv::countNonZero(edge), kSize) << "expected a soft edge band";
    }
  }
}

TEST(LandmarkMask, ErosionShrinksDilationGrows) {
  const auto lm = GoldenFacesInFaceSpace().front();
  const cv::Mat base = LandmarkMask(MaskShape::kHull, lm, {kSize, kSize});
  cv::Mat eroded = base.clone(), dilated = base.clone();
  RefineMask(eroded, {0.05, 0.0, true});
  RefineMask(dilated, {-0.05, 0.0, true});
  EXPECT_LT(Area(eroded), 0.9 * Area(base));
  EXPECT_GT(Area(dilated), 1.05 * Area(base));
}

}  // namespace
}  // namespace faceswap

namespace faceswap {
namespace {

TEST(LandmarkMask, FeatheringFadesAtTheCropBorder) {
  // A face larger than its crop (as at coverage 0.625): the mask fills the crop, and the
  // feathered mask must still reach 0 at the border rather than end in a hard square.
  cv::Mat full(96, 96, CV_32FC1, cv::Scalar(1));
  RefineMask(full, {0.0, 0.1, true});
  EXPECT_LT(full.at<float>(0, 48), 0.05f);
  EXPECT_LT(full.at<float>(48, 95), 0.05f);
  EXPECT_GT(full.at<float>(48, 48), 0.99f);
}

}  // namespace
}  // namespace faceswap
