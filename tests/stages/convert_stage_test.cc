// Convert's per-face stages (mask, colour, sharpen, blend) run one at a time through the stage
// harness, as the runner drives them, on real photos: dlib's golden landmarks of its test
// photos, and another person's face (one of dlib's John chips) as the generated face.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "base/check.h"
#include "stages/blend/blend.h"
#include "stages/mask/landmark_mask.h"
#include "tests/testing/dlib_xml.h"
#include "tests/testing/face_space.h"
#include "tests/testing/pixels.h"
#include "tests/testing/samples.h"
#include "tests/testing/stage_harness.h"

namespace faceswap {
namespace {

constexpr int kSize = 128;  // Edge of the generated face (swap space).

const std::vector<testing::LabelledImage>& Photos() {
  static const auto photos =
      testing::ReadDlibXml(testing::DlibExample("faces/testing_with_face_landmarks.xml"));
  return photos;
}

// A face as the swap stage leaves it: landmarks in the frame, the generated face and the
// similarity from frame pixels to it.
Face SwappedFace(const std::vector<cv::Point2f>& landmarks) {
  Face face;
  face.landmarks = landmarks;
  face.box = cv::boundingRect(landmarks);
  face.frame_to_swapped = testing::FaceTransform(landmarks, kSize);
  cv::resize(cv::imread(testing::DlibExample("johns/John_Simm/000288_00470387.jpg")), face.swapped,
             {kSize, kSize}, 0, 0, cv::INTER_AREA);
  EXPECT_FALSE(face.swapped.empty());
  return face;
}

// Frames 0..n-1 on dlib's test photos (one labelled face each, swapped); frame `passthrough`
// is marked passthrough (outside convert's range), -1 for none.
std::vector<Frame> SwappedFrames(int n, int passthrough = -1) {
  std::vector<Frame> frames;
  for (int i = 0; i < n; ++i) {
    const auto& photo = Photos().at(static_cast<size_t>(i % 4));
    Frame f;
    f.index = i;
    f.image = cv::imread(photo.path);
    EXPECT_FALSE(f.image.empty()) << photo.path;
    f.faces.push_back(SwappedFace(photo.faces.at(0).landmarks));
    f.passthrough = i == passthrough;
    frames.push_back(std::move(f));
  }
  return frames;
}

cv::Point2f NoseTipInSwapSpace(const Face& face) {
  return TransformPoints({face.landmarks[30]}, face.frame_to_swapped)[0];
}

// The hull of the landmarks in swap space, hard-edged: a decoder's mask stand-in.
cv::Mat HardHull(const Face& face) {
  return LandmarkMask(MaskShape::kHull, TransformPoints(face.landmarks, face.frame_to_swapped),
                      face.swapped.size());
}

int SoftPixels(const cv::Mat& mask) { return cv::countNonZero((mask > 0.05) & (mask < 0.95)); }

TEST(MaskHullStage, MasksTheFaceInSwapSpaceAndLeavesOtherFacesAndFramesAlone) {
  std::vector<Frame> frames = SwappedFrames(3, /*passthrough=*/1);
  Face not_swapped = frames[0].faces[0];
  not_swapped.swapped.release();
  frames[0].faces.push_back(not_swapped);
  const std::vector<Frame> out = testing::StageHarness("mask/hull").Run(std::move(frames));
  ASSERT_EQ(out.size(), 3u);
  for (int i : {0, 2}) {
    const Face& face = out[i].faces[0];
    ASSERT_EQ(face.mask.size(), face.swapped.size()) << "frame " << i;
    ASSERT_EQ(face.mask.type(), CV_32FC1);
    const cv::Point2f nose = NoseTipInSwapSpace(face);
    EXPECT_GT(face.mask.at<float>(cv::Point(nose)), 0.99f) << "frame " << i;
    EXPECT_LT(face.mask.at<float>(0, 0), 0.01f) << "frame " << i;
    const double covered = cv::mean(face.mask)[0];
    EXPECT_GT(covered, 0.2) << "frame " << i;
    EXPECT_LT(covered, 0.8) << "frame " << i;
    EXPECT_GT(SoftPixels(face.mask), 100) << "the default feather should soften the edge";
  }
  EXPECT_TRUE(out[0].faces[1].mask.empty()) << "a face without a generated face got a mask";
  EXPECT_TRUE(out[1].faces[0].mask.empty()) << "a passthrough frame's face got a mask";
}

TEST(MaskHullStage, ErosionShrinksAndDilationGrowsTheMask) {
  auto area = [](double erosion) {
    const auto out =
        testing::StageHarness("mask/hull").Set("erosion", erosion).Run(SwappedFrames(1));
    return cv::sum(out.at(0).faces.at(0).mask)[0];
  };
  const double plain = area(0.0);
  EXPECT_LT(area(0.05), 0.9 * plain);
  EXPECT_GT(area(-0.05), 1.1 * plain);
}

TEST(MaskHullStage, KeepsOnlyWhatTheModelsMaskAlsoCovers) {
  // A decoder that rendered only the right half of its crop.
  auto run = [](bool model_mask) {
    std::vector<Frame> frames = SwappedFrames(1);
    Face& face = frames[0].faces[0];
    face.mask = cv::Mat::zeros(face.swapped.size(), CV_32FC1);
    face.mask.colRange(kSize / 2, kSize).setTo(1.0);
    return testing::StageHarness("mask/hull")
        .Set("model-mask", model_mask)
        .Run(std::move(frames))
        .at(0)
        .faces.at(0)
        .mask;
  };
  const cv::Rect left(0, 0, kSize * 3 / 8, kSize);
  EXPECT_LT(cv::mean(run(true)(left))[0], 0.01) << "the hull reached past the model's mask";
  EXPECT_GT(cv::mean(run(false)(left))[0], 0.1) << "model-mask false should ignore it";
}

TEST(MaskPredictedStage, FeathersTheModelsMaskAndNeedsOne) {
  std::vector<Frame> frames = SwappedFrames(2);
  const cv::Mat hard = HardHull(frames[0].faces[0]);
  ASSERT_LT(SoftPixels(hard), 10);
  frames[0].faces[0].mask = hard.clone();
  frames[1].faces[0].mask = HardHull(frames[1].faces[0]);
  const auto out = testing::StageHarness("mask/predicted").Run(std::move(frames));
  EXPECT_GT(SoftPixels(out[0].faces[0].mask), 100) << "the edge was not feathered";
  EXPECT_GT(out[0].faces[0].mask.at<float>(cv::Point(NoseTipInSwapSpace(out[0].faces[0]))), 0.99f);

  std::vector<Frame> without = SwappedFrames(1);  // A model with no mask branch.
  EXPECT_THROW(testing::StageHarness("mask/predicted").Run(std::move(without)), FatalError);
}

// Per channel, how far the generated face's mean colour inside its mask is from the frame's
// under the same mask (the frame warped into swap space, as colour stages see it).
double ColourGap(const Frame& frame, const Face& face) {
  cv::Mat reference;
  cv::warpAffine(frame.image, reference, cv::Mat(face.frame_to_swapped), face.swapped.size(),
                 cv::INTER_AREA, cv::BORDER_REPLICATE);
  const cv::Mat inside = face.mask > 0.5;
  const cv::Scalar a = cv::mean(face.swapped, inside), b = cv::mean(reference, inside);
  return std::max({std::abs(a[0] - b[0]), std::abs(a[1] - b[1]), std::abs(a[2] - b[2])});
}

// Swapped frames with hull masks and a strong blue cast on the generated faces.
std::vector<Frame> CastFrames() {
  std::vector<Frame> frames = SwappedFrames(4, /*passthrough=*/3);
  for (Frame& f : frames) {
    Face& face = f.faces[0];
    cv::add(face.swapped, cv::Scalar(60, 0, -40), face.swapped);
    face.mask = HardHull(face);
    RefineMask(face.mask, {});
  }
  return frames;
}

TEST(ColorStage, MovesTheFacesColoursToTheFrames) {
  const std::vector<Frame> before = CastFrames();
  for (const char* method : {"color/avg", "color/reinhard", "color/hist-match"}) {
    const auto out = testing::StageHarness(method).Run(CastFrames());
    for (int i : {0, 1, 2}) {
      const double gap0 = ColourGap(before[i], before[i].faces[0]);
      const double gap1 = ColourGap(out[i], out[i].faces[0]);
      EXPECT_GT(gap0, 20.0) << "the cast should make a clear gap";
      EXPECT_LT(gap1, 0.35 * gap0) << method << " frame " << i;
    }
    EXPECT_EQ(cv::countNonZero(
                  testing::ChangedPixels(out[3].faces[0].swapped, before[3].faces[0].swapped)),
              0)
        << method << " changed a passthrough frame's face";
  }
}

TEST(ColorStage, StrengthZeroAndNoneLeaveTheFaceAlone) {
  const std::vector<Frame> before = CastFrames();
  const auto none = testing::StageHarness("color/none").Run(CastFrames());
  const auto zero =
      testing::StageHarness("color/reinhard").Set("color-strength", 0.0).Run(CastFrames());
  const auto half =
      testing::StageHarness("color/reinhard").Set("color-strength", 0.5).Run(CastFrames());
  for (int i : {0, 1, 2}) {
    EXPECT_EQ(cv::countNonZero(
                  testing::ChangedPixels(none[i].faces[0].swapped, before[i].faces[0].swapped)),
              0);
    EXPECT_LE(cv::norm(zero[i].faces[0].swapped, before[i].faces[0].swapped, cv::NORM_INF), 1.0);
    const double gap0 = ColourGap(before[i], before[i].faces[0]);
    const double gap = ColourGap(half[i], half[i].faces[0]);
    EXPECT_GT(gap, 0.3 * gap0) << "frame " << i;
    EXPECT_LT(gap, 0.7 * gap0) << "frame " << i;
  }
}

double Detail(const cv::Mat& bgr) {
  cv::Mat grey, lap;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  cv::Laplacian(grey, lap, CV_32F);
  cv::Scalar mean, dev;
  cv::meanStdDev(lap, mean, dev);
  return dev[0] * dev[0];
}

TEST(SharpenStage, UnsharpAddsDetailToTheGeneratedFaceOnly) {
  const std::vector<Frame> before = SwappedFrames(3, /*passthrough=*/2);
  const auto out = testing::StageHarness("sharpen/unsharp").Run(SwappedFrames(3, 2));
  for (int i : {0, 1}) {
    EXPECT_GT(Detail(out[i].faces[0].swapped), 1.3 * Detail(before[i].faces[0].swapped))
        << "frame " << i;
    EXPECT_EQ(cv::countNonZero(testing::ChangedPixels(out[i].image, before[i].image)), 0)
        << "sharpening touched the frame";
  }
  EXPECT_EQ(
      cv::countNonZero(testing::ChangedPixels(out[2].faces[0].swapped, before[2].faces[0].swapped)),
      0);
  const auto zero =
      testing::StageHarness("sharpen/unsharp").Set("sharpen-amount", 0.0).Run(SwappedFrames(1));
  const auto none = testing::StageHarness("sharpen/none").Run(SwappedFrames(1));
  EXPECT_LE(cv::norm(zero[0].faces[0].swapped, before[0].faces[0].swapped, cv::NORM_INF), 1.0);
  EXPECT_EQ(cv::countNonZero(
                testing::ChangedPixels(none[0].faces[0].swapped, before[0].faces[0].swapped)),
            0);
}

TEST(BlendStage, PastesInsideTheFaceBoxAndMarksEveryChangedPixel) {
  for (const char* method : {"blend/alpha", "blend/seamless"}) {
    std::vector<Frame> frames = SwappedFrames(4, /*passthrough=*/1);
    for (Frame& f : frames) {
      f.faces[0].mask = HardHull(f.faces[0]);
      RefineMask(f.faces[0].mask, {});
    }
    frames[3].faces[0].mask.release();  // No mask: the whole crop is pasted.
    const std::vector<Frame> before = SwappedFrames(4);
    const auto out = testing::StageHarness(method).Run(std::move(frames));
    for (int i : {0, 2, 3}) {
      const cv::Mat changed = testing::ChangedPixels(out[i].image, before[i].image);
      EXPECT_GT(cv::countNonZero(changed), 200) << method << " frame " << i;
      ASSERT_FALSE(out[i].changed.empty()) << method << " frame " << i;
      EXPECT_EQ(cv::countNonZero(changed & ~out[i].changed), 0)
          << method << " frame " << i << ": changed pixels not marked in Frame::changed";
      const cv::Rect box = FaceBoxInFrame(out[i].faces[0].frame_to_swapped,
                                          out[i].faces[0].swapped.size(), out[i].image.size());
      cv::Mat outside = out[i].changed.clone();
      outside(box).setTo(0);
      EXPECT_EQ(cv::countNonZero(outside), 0) << method << " frame " << i;
    }
    EXPECT_EQ(cv::countNonZero(testing::ChangedPixels(out[1].image, before[1].image)), 0)
        << method << " changed a passthrough frame";
    EXPECT_TRUE(out[1].changed.empty());
  }
}

}  // namespace
}  // namespace faceswap
