// detect/dlib-hog on dlib's own example photos.
#include "stages/detect/dlib_hog.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "stages/builtin_stages.h"
#include "stages/detect/face_search.h"
#include "tests/stages/detect_harness.h"
#include "tests/testing/samples.h"
#include "tests/testing/stage_harness.h"

namespace faceswap {
namespace {

using testing::Detect;
using testing::Photo;

TEST(DlibHog, OneFaceInTomCruise) {
  const cv::Mat image = Photo("Tom_Cruise_avp_2014_4.jpg");
  const auto faces = Detect("detect/dlib-hog", image);
  ASSERT_EQ(faces.size(), 1u);
  const cv::Rect2f& b = faces[0].box;
  EXPECT_GT(b.width, 80);
  EXPECT_GT(faces[0].score, 0.f);
  // Inside the image.
  EXPECT_GE(b.x, -b.width * 0.2f);
  EXPECT_LE(b.x + b.width, image.cols + b.width * 0.2f);
}

TEST(DlibHog, ThreeFacesInGroupPhoto) {
  // Faces here are ~50-80 px: found by the default search (down to ~40 px), no flag needed.
  const auto faces = Detect("detect/dlib-hog", Photo("2008_002506.jpg"));
  EXPECT_EQ(faces.size(), 3u);
  for (size_t i = 1; i < faces.size(); ++i) EXPECT_GE(faces[i - 1].score, faces[i].score);
}

TEST(DlibHog, NoFaceInDogs) {
  EXPECT_EQ(Detect("detect/dlib-hog", Photo("dogs.jpg")).size(), 0u);
  EXPECT_EQ(
      Detect("detect/dlib-hog", Photo("dogs.jpg"), [](DetectOptions& o) { o.scale = 2; }).size(),
      0u);
}

TEST(DlibHog, MaxFacesKeepsTheBestScores) {
  const cv::Mat image = Photo("2008_002506.jpg");
  const auto all = Detect("detect/dlib-hog", image);
  ASSERT_GE(all.size(), 2u);
  const auto one = Detect("detect/dlib-hog", image, [](DetectOptions& o) { o.max_faces = 1; });
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].box, all[0].box);
}

TEST(DlibHog, SmallFacesAreFoundWithoutFlags) {
  // Tom Cruise's face shrunk to ~45 px (box edge): below the HOG window, found by the finest
  // rung of the default search, in a video frame (not a still) too.
  const cv::Mat image = Photo("Tom_Cruise_avp_2014_4.jpg");
  const auto full = Detect("detect/dlib-hog", image);
  ASSERT_EQ(full.size(), 1u);
  const double shrink = 45.0 / full[0].box.width;
  cv::Mat small;
  cv::resize(image, small, cv::Size(), shrink, shrink, cv::INTER_AREA);
  const auto found = Detect("detect/dlib-hog", small, {}, /*stills=*/false);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NEAR(found[0].box.x, full[0].box.x * shrink, 0.2 * 45);
  EXPECT_NEAR(found[0].box.width, 45, 0.25 * 45);
  // A fixed scale of 1 (the HOG window, 80 px) cannot see it: the ladder is what finds it.
  EXPECT_TRUE(Detect("detect/dlib-hog", small, [](DetectOptions& o) { o.scale = 1; }).empty());
}

TEST(DlibHog, DownscaledDetectionFindsTheSameFaceInFramePixels) {
  // Tom Cruise's face is large: detecting at half size must give about the same box.
  const cv::Mat image = Photo("Tom_Cruise_avp_2014_4.jpg");
  const auto full = Detect("detect/dlib-hog", image);
  const auto half = Detect("detect/dlib-hog", image, [](DetectOptions& o) { o.scale = 0.5; });
  ASSERT_EQ(full.size(), 1u);
  ASSERT_EQ(half.size(), 1u);
  const cv::Point2f c1 = (full[0].box.tl() + full[0].box.br()) * 0.5f;
  const cv::Point2f c2 = (half[0].box.tl() + half[0].box.br()) * 0.5f;
  EXPECT_LT(cv::norm(c1 - c2), 0.1 * full[0].box.width);
  EXPECT_NEAR(half[0].box.width, full[0].box.width, 0.25 * full[0].box.width);
}

std::vector<double> Ladder(int width, int height, double scale = 0) {
  DlibHogOptions o;
  o.scale = scale;
  FaceSearch search(o, kDlibHogMinFace);
  StreamFormat format;
  format.width = width;
  format.height = height;
  search.Open(format);
  return search.scales();
}

TEST(DlibHog, ScaleLadderSpansFortyPixelsToTheFrame) {
  // 720p: quarter size (faces >= 320 px) up to 2x (40 px faces reach the 80 px window).
  EXPECT_EQ(Ladder(1280, 720), (std::vector<double>{0.25, 0.5, 1.0, 2.0}));
  // A 200x150 webcam clip: the coarsest rung already sees faces of half the frame.
  EXPECT_EQ(Ladder(200, 150), (std::vector<double>{1.0, 2.0}));
  // 8K is never enlarged past ~16 MP: its finest rung finds faces from ~115 px.
  const auto big = Ladder(7680, 4320);
  ASSERT_FALSE(big.empty());
  EXPECT_LT(big.back() * big.back() * 7680 * 4320, 16.1e6);
  EXPECT_LT(kDlibHogMinFace / big.front(), 4320.0);
  // A fixed --detect-scale is the only rung.
  EXPECT_EQ(Ladder(1280, 720, 0.75), (std::vector<double>{0.75}));
  DlibHogOptions o;
  o.scale = 20;
  EXPECT_NE(o.Check().find("detect-scale"), std::string::npos);
}

// Faces are followed only within a runner batch, so on video the detector asks the runner for
// batches of --redetect-every frames (before, a --redetect-every above extract's batch of 8
// changed nothing); photos are each searched whole and ask for nothing.
TEST(DlibHog, VideoAsksForBatchesOfRedetectEvery) {
  for (int every : {8, 30}) {
    StreamFormat video;
    video.width = 640;
    video.height = 360;
    testing::StageHarness hog("detect/dlib-hog");
    hog.Set("redetect-every", every).Run({}, video);
    EXPECT_EQ(hog.opened_format().min_batch_frames, every);
  }
  StreamFormat photos;
  photos.width = 640;
  photos.height = 360;
  photos.stills = true;
  testing::StageHarness hog("detect/dlib-hog");
  hog.Set("redetect-every", 30).Run({}, photos);
  EXPECT_EQ(hog.opened_format().min_batch_frames, 1);
}

TEST(DlibHog, PassthroughFramesAreLeftAlone) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  const auto& info = registry.Get("detect/dlib-hog");
  auto stage = info.create(*info.default_options());
  FrameBatch batch;
  batch.frames.resize(1);
  batch.frames[0].image = Photo("Tom_Cruise_avp_2014_4.jpg");
  batch.frames[0].passthrough = true;
  stage->Process(batch);
  EXPECT_TRUE(batch.frames[0].faces.empty());
}

}  // namespace
}  // namespace faceswap
