#include "stages/color/color_transfer.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "stages/mask/landmark_mask.h"
#include "tests/testing/dlib_xml.h"
#include "tests/testing/face_space.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

constexpr int kSize = 128;

// A real face crop (reference, from a photo with golden landmarks), another person's face
// (a dlib "johns" chip) as the generated face, and the reference's hull mask.
struct Fixture {
  cv::Mat face, reference, mask;
};

Fixture Load(int image_index) {
  Fixture f;
  const auto images = testing::ReadDlibXml(testing::DlibExample("faces/testing_with_face_landmarks.xml"));
  EXPECT_GT(images.size(), static_cast<size_t>(image_index));
  const auto& img = images.at(image_index);
  const cv::Mat photo = cv::imread(img.path);
  EXPECT_FALSE(photo.empty()) << img.path;
  const auto& lm = img.faces.at(0).landmarks;
  const cv::Matx23d m = testing::FaceTransform(lm, kSize);
  cv::warpAffine(photo, f.reference, cv::Mat(m), {kSize, kSize});
  f.mask = LandmarkMask(MaskShape::kHull, TransformPoints(lm, m), {kSize, kSize});
  cv::resize(cv::imread(testing::DlibExample("johns/John_Salley/000179_02159509.jpg")), f.face,
             {kSize, kSize});
  return f;
}

double MeanDistance(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask) {
  cv::Mat m;
  cv::compare(mask, 0.5, m, cv::CMP_GT);
  return cv::norm(cv::mean(a, m) - cv::mean(b, m));
}

class ColorMethodTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ColorMethodTest, MovesMeanColourTowardTheFrame) {
  for (int image : {0, 1, 2}) {
    Fixture f = Load(image);
    const double before = MeanDistance(f.face, f.reference, f.mask);
    ASSERT_GT(before, 5.0) << "fixture faces should differ in colour";
    cv::Mat face = f.face.clone();
    MatchColor(ParseColorMethod(GetParam()), face, f.reference, f.mask);
    const double after = MeanDistance(face, f.reference, f.mask);
    EXPECT_LT(after, 0.35 * before) << GetParam() << " image " << image << ": " << before
                                    << " -> " << after;
  }
}

INSTANTIATE_TEST_SUITE_P(Methods, ColorMethodTest,
                         ::testing::Values("avg", "reinhard", "hist-match"));

TEST(ColorTransfer, NoneLeavesFaceUnchanged) {
  Fixture f = Load(0);
  cv::Mat face = f.face.clone();
  MatchColor(ColorMethod::kNone, face, f.reference, f.mask);
  EXPECT_EQ(cv::norm(face, f.face, cv::NORM_INF), 0.0);
}

TEST(ColorTransfer, ReinhardAlsoMatchesContrast) {
  Fixture f = Load(1);
  cv::Mat m;
  cv::compare(f.mask, 0.5, m, cv::CMP_GT);
  auto lab_std = [&](const cv::Mat& bgr) {
    cv::Mat lab, fl;
    bgr.convertTo(fl, CV_32FC3, 1.0 / 255);
    cv::cvtColor(fl, lab, cv::COLOR_BGR2Lab);
    cv::Scalar mean, sd;
    cv::meanStdDev(lab, mean, sd, m);
    return sd;
  };
  cv::Mat face = f.face.clone();
  MatchColor(ColorMethod::kReinhard, face, f.reference, f.mask);
  const cv::Scalar want = lab_std(f.reference), before = lab_std(f.face), after = lab_std(face);
  EXPECT_LT(cv::norm(after - want), 0.5 * cv::norm(before - want));
}

TEST(ColorTransfer, UnknownMethodNamesChoices) {
  try {
    ParseColorMethod("sepia");
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("reinhard"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace faceswap
