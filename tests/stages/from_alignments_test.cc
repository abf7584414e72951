// detect/alignments through the stage harness: faces come from an alignments file written by
// the real writer, for the frames it lists and only those.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "base/check.h"
#include "pipeline/alignments_file.h"
#include "tests/testing/dlib_xml.h"
#include "tests/testing/samples.h"
#include "tests/testing/stage_harness.h"

namespace faceswap {
namespace {

struct Fixture {
  std::string path;  // The alignments file.
  cv::Mat image;     // dlib's first labelled test photo.
  Face face;         // Its labelled face, as extract would store it.
};

// An alignments file for a 5-frame "video" of one photo: a face on frames 0, 2 and 4 (68
// landmarks), and on frame 3 a face without landmarks (a detector-only record).
Fixture WriteFixture() {
  const auto photos =
      testing::ReadDlibXml(testing::DlibExample("faces/testing_with_face_landmarks.xml"));
  Fixture fx;
  fx.image = cv::imread(photos.at(0).path);
  EXPECT_FALSE(fx.image.empty());
  fx.face.landmarks = photos.at(0).faces.at(0).landmarks;
  fx.face.box = cv::Rect2f(photos.at(0).faces.at(0).box);
  fx.face.score = 1.5f;
  fx.face.frame_to_aligned = cv::Matx23d(0.9, -0.1, -30.25, 0.1, 0.9, -20.5);
  fx.face.identity = "A";
  AlignmentsSource source;
  source.path = "photo.mp4";
  source.width = fx.image.cols;
  source.height = fx.image.rows;
  source.frame_count = 5;
  for (int64_t i : {0, 2, 3, 4}) {
    AlignmentsFrame frame;
    frame.index = i;
    Face face = fx.face;
    if (i == 3) face.landmarks.clear();
    frame.faces.push_back(face);
    source.frames.push_back(frame);
  }
  Alignments a;
  a.sources.push_back(source);
  fx.path = testing::ScratchDir("from-alignments") + "/alignments.json";
  WriteAlignments(fx.path, a);
  return fx;
}

std::vector<Frame> Frames(const cv::Mat& image, int n, int passthrough) {
  std::vector<Frame> frames(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    frames[i].index = i;
    frames[i].image = image;
    frames[i].passthrough = i == passthrough;
  }
  return frames;
}

TEST(FromAlignmentsStage, GivesEachListedFrameItsLandmarkedFaces) {
  const Fixture fx = WriteFixture();
  const auto out = testing::StageHarness("detect/alignments")
                       .Set("alignments", fx.path)
                       .Run(Frames(fx.image, 5, /*passthrough=*/4), {}, /*batch_size=*/2);
  ASSERT_EQ(out.size(), 5u);
  const std::vector<size_t> expected = {1, 0, 1, 0, 0};  // 3: no landmarks, 4: passthrough.
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].index, static_cast<int64_t>(i));
    ASSERT_EQ(out[i].faces.size(), expected[i]) << "frame " << i;
    if (expected[i] == 0) continue;
    const Face& f = out[i].faces[0];
    EXPECT_EQ(f.landmarks, fx.face.landmarks);  // Bit-exact through the file.
    EXPECT_EQ(f.box, fx.face.box);
    EXPECT_EQ(f.score, fx.face.score);
    EXPECT_EQ(cv::norm(f.frame_to_aligned - fx.face.frame_to_aligned, cv::NORM_INF), 0.0);
    EXPECT_EQ(f.identity, "A");
  }
}

TEST(FromAlignmentsStage, RefusesAVideoOfAnotherSizeNamingBoth) {
  const Fixture fx = WriteFixture();
  StreamFormat format;
  format.width = fx.image.cols + 1;
  format.height = fx.image.rows;
  format.path = "other.mp4";
  try {
    testing::StageHarness("detect/alignments")
        .Set("alignments", fx.path)
        .Run(Frames(fx.image, 5, -1), format);
    ADD_FAILURE() << "no error for a video of another size";
  } catch (const FatalError& e) {
    const std::string what = e.what();
    const std::string made = std::to_string(fx.image.cols) + "x" + std::to_string(fx.image.rows);
    const std::string given =
        std::to_string(fx.image.cols + 1) + "x" + std::to_string(fx.image.rows);
    EXPECT_NE(what.find(made), std::string::npos) << what;
    EXPECT_NE(what.find(given), std::string::npos) << what;
    EXPECT_NE(what.find("other.mp4"), std::string::npos) << what;
  }
  EXPECT_NE(testing::StageHarness("detect/alignments").Check(), "") << "an empty path passed";
}

}  // namespace
}  // namespace faceswap
