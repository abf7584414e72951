// The must-show extract test on all of franck.mp4 (label "slow": ~40 s of CPU).
#include <gtest/gtest.h>

#include <filesystem>

#include "pipeline/alignments_file.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
const std::string kBin = FACESWAP_BIN;

using testing::Quote;

// Mean distance (px) of the aligned eye centres from the template's, over all faces.
double MeanEyeError(const Alignments& a) {
  const auto eyes = a.convention.TemplateEyeCentres();
  double sum = 0;
  int n = 0;
  for (const auto& s : a.sources) {
    for (const auto& f : s.frames) {
      for (const auto& face : f.faces) {
        if (face.landmarks.size() != 68) continue;
        sum += cv::norm(TransformedMean(face.landmarks, face.frame_to_aligned, 36, 42) - eyes[0]);
        sum += cv::norm(TransformedMean(face.landmarks, face.frame_to_aligned, 42, 48) - eyes[1]);
        n += 2;
      }
    }
  }
  return n ? sum / n : 1e9;
}

// The must-show test: every frame of franck.mp4 (4800, one face each) with the default
// search (no size flag). Alignments only (--no-faces) keep it at ~40 s of CPU.
TEST(Extract, FranckEveryFrameHasOneAlignedFace) {
  const std::string video = testing::SampleMedia("franck.mp4");
  ASSERT_FALSE(video.empty());
  const std::string dir = testing::ScratchDir("extract");
  const std::string alignments = dir + "/franck.json.gz";
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " extract --progress off -i " + Quote(video) + " -o " + Quote(dir) +
                           " -a " + Quote(alignments) + " --no-faces",
                       &out),
            0)
      << out;
  const Alignments a = ReadAlignments(alignments);
  EXPECT_TRUE(a.complete);
  ASSERT_EQ(a.sources.size(), 1u);
  const AlignmentsSource& s = a.sources[0];
  EXPECT_EQ(s.width, 360);
  EXPECT_EQ(s.height, 288);
  EXPECT_NEAR(s.fps, 24.0, 0.01);
  EXPECT_EQ(s.frame_count, 4800);
  ASSERT_EQ(s.frames.size(), 4800u);
  int with_face = 0, several = 0;
  for (size_t i = 0; i < s.frames.size(); ++i) {
    const auto& f = s.frames[i];
    EXPECT_EQ(f.index, static_cast<int64_t>(i));
    if (i > 0) EXPECT_GT(f.timestamp, s.frames[i - 1].timestamp);
    if (f.faces.size() > 1) ++several;
    if (!f.faces.empty() && f.faces[0].landmarks.size() == 68) ++with_face;
  }
  RecordProperty("frames_with_face", with_face);
  EXPECT_GE(with_face, 4752) << "a face with landmarks in fewer than 99% of frames";
  EXPECT_EQ(several, 0);
  const double eye_error = MeanEyeError(a);
  RecordProperty("mean_eye_error_px", std::to_string(eye_error));
  EXPECT_LT(eye_error, 0.03 * a.convention.size);
  for (const auto& e : fs::directory_iterator(dir)) {  // --no-faces: no PNGs
    EXPECT_NE(e.path().extension(), ".png") << e.path();
  }
}

}  // namespace
}  // namespace faceswap
