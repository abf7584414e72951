#include "stages/mask/landmark_mask.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "stages/builtin_stages.h"

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


namespace faceswap {
namespace {

TEST(LandmarkMask, CropFadeIsARoundedSquareFadingToZero) {
  const cv::Mat f = CropFade({kSize, kSize}, 0.2);
  EXPECT_FLOAT_EQ(f.at<float>(kSize / 2, kSize / 2), 1.f);
  for (int i = 0; i < kSize; ++i) {  // The crop's edge.
    for (const cv::Point p : {cv::Point(i, 0), cv::Point(0, i), cv::Point(i, kSize - 1),
                              cv::Point(kSize - 1, i)}) {
      EXPECT_LT(f.at<float>(p), 0.01f) << p;
    }
  }
  // Rounded: at 90% of the half-size, the middle of a side is still mostly face, a corner
  // (u = v = 0.9: r = 0.9 * 2^(1/4) > 1) is cut.
  const int near = kSize / 2 + static_cast<int>(0.9 * kSize / 2);
  EXPECT_GT(f.at<float>(kSize / 2, near), 0.1f);
  EXPECT_EQ(f.at<float>(near, near), 0.f);
  EXPECT_EQ(cv::countNonZero(CropFade({kSize, kSize}, 0.0) != 1.f), 0);
}

// Sets the mask plugins' options as the command line would: --crop-fade (off by default),
// --no-model-mask.
class MaskOptionSetter : public OptionBinder {
 public:
  double crop_fade = 0.0;
  bool model_mask = true;
  int found = 0;
  void Add(const std::string&, int*, const std::string&) override {}
  void Add(const std::string& n, double* v, const std::string&) override {
    if (n == "crop-fade") *v = crop_fade, ++found;
  }
  void Add(const std::string& n, bool* v, const std::string&) override {
    if (n == "model-mask") *v = model_mask, ++found;
  }
  void Add(const std::string&, std::string*, const std::string&) override {}
  void Add(const std::string&, std::vector<std::string>*, const std::string&) override {}
};

// Runs mask/hull on one face whose crop is the whole kSize square; `predicted` is the
// decoder's mask (empty: a model without a mask branch).
cv::Mat RunHullStage(const std::vector<cv::Point2f>& lm, MaskOptionSetter& setter,
                     const cv::Mat& predicted = {}) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  const StageInfo& info = registry.Get("mask/hull");
  auto options = info.default_options();
  options->Bind(setter);
  EXPECT_EQ(setter.found, 2) << "mask/hull lacks crop-fade or model-mask";
  auto stage = info.create(*options);
  FrameBatch batch;
  batch.frames.resize(1);
  Frame& frame = batch.frames[0];
  frame.image = cv::Mat(kSize, kSize, CV_8UC3, cv::Scalar(0));
  Face face;
  face.landmarks = lm;
  face.swapped = cv::Mat(kSize, kSize, CV_8UC3, cv::Scalar(0));
  face.frame_to_swapped = cv::Matx23d(1, 0, 0, 0, 1, 0);
  face.mask = predicted.clone();
  frame.faces.push_back(face);
  stage->Process(batch);
  return batch.frames[0].faces[0].mask;
}

// A head turned and larger than the rendered crop: its hull reaches past the crop's right
// and bottom edges. mask/hull must cut it inside the crop, along the rounded square, with a
// smooth fade (no straight hard edge), and cover the face where the model renders it.
TEST(LandmarkMask, HullPastTheCropIsClippedAndFeatheredInside) {
  auto lm = GoldenFacesInFaceSpace().front();
  const cv::Point2f centre(kSize / 2.f, kSize / 2.f);
  for (auto& p : lm) p = centre + (p - centre) * 1.3f + cv::Point2f(0.3f * kSize, 0.1f * kSize);
  const cv::Mat hard = LandmarkMask(MaskShape::kHull, lm, {kSize, kSize});
  ASSERT_EQ(hard.at<float>(kSize / 2, kSize - 1), 1.f) << "the hull must reach past the crop";

  MaskOptionSetter setter;
  setter.crop_fade = 0.2;
  const cv::Mat mask = RunHullStage(lm, setter);
  ASSERT_EQ(mask.size(), cv::Size(kSize, kSize));

  cv::Mat past;
  cv::compare(mask, CropFade({kSize, kSize}, 0.2) + 1e-6, past, cv::CMP_GT);
  EXPECT_EQ(cv::countNonZero(past), 0) << "the mask must stay inside the rendered region";
  const int row = kSize / 2;
  EXPECT_GT(mask.at<float>(row, kSize / 2 + 8), 0.99f) << "the face itself is pasted";
  EXPECT_LT(mask.at<float>(row, kSize - 1), 0.01f);
  float steepest = 0.f;
  for (int x = kSize / 2; x + 1 < kSize; ++x) {
    steepest = std::max(steepest, std::abs(mask.at<float>(row, x + 1) - mask.at<float>(row, x)));
  }
  // Smoothstep over 0.2 of the 64 px half-size rises at most 1.5 / 12.8 = 0.12 per pixel;
  // a cut at the crop's edge without it falls 0.2-0.3 per pixel.
  EXPECT_LT(steepest, 0.16f) << "the cut must fade, not end in an edge";
  const int corner = kSize / 2 + static_cast<int>(0.9 * kSize / 2);
  EXPECT_EQ(mask.at<float>(corner, corner), 0.f) << "the crop's corner must be cut";
}

// A model trained with --mask predicts where its decoder renders a face. Where the source's
// hull reaches past that (here: the right third, a wider face than the decoder's), mask/hull
// must not paste, by default; --no-model-mask keeps the whole hull.
TEST(LandmarkMask, HullIsCutToTheModelsPredictedMask) {
  const auto lm = GoldenFacesInFaceSpace().front();
  float right = 0.f;
  for (const auto& p : lm) right = std::max(right, p.x);
  const int cut = static_cast<int>(right) - kSize / 6;  // Predicted face ends left of the hull.
  cv::Mat predicted(kSize, kSize, CV_32FC1, cv::Scalar(0));
  predicted.colRange(0, cut).setTo(1.f);
  const int row = static_cast<int>(lm[30].y);  // Nose tip's row: inside the hull across.
  const int probe = (cut + static_cast<int>(right)) / 2;

  MaskOptionSetter on;
  const cv::Mat cut_mask = RunHullStage(lm, on, predicted);
  MaskOptionSetter off;
  off.model_mask = false;
  const cv::Mat hull_mask = RunHullStage(lm, off, predicted);
  MaskOptionSetter plain;
  const cv::Mat no_branch = RunHullStage(lm, plain);  // No prediction: the hull alone.

  ASSERT_GT(hull_mask.at<float>(row, probe), 0.3f) << "the probe must lie inside the hull";
  EXPECT_LT(cut_mask.at<float>(row, probe), 0.05f) << "pasted where the model renders no face";
  EXPECT_GT(cut_mask.at<float>(row, kSize / 3), 0.99f) << "the face itself must stay";
  EXPECT_LT(Area(cut_mask), 0.95 * Area(hull_mask));
  EXPECT_EQ(cv::norm(hull_mask, no_branch, cv::NORM_INF), 0.0)
      << "--no-model-mask must give the plain hull";
}

}  // namespace
}  // namespace faceswap
