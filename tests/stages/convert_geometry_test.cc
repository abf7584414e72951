// Convert's geometry on real faces with the real detector and 68-point model: pasting an
// aligned crop back lands on the original face, and temporal smoothing reduces landmark
// jitter on a real clip.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "pipeline/runner.h"
#include "pipeline/video_reader.h"
#include "stages/align/dlib_landmarks68.h"
#include "stages/blend/blend.h"
#include "stages/builtin_stages.h"
#include "stages/smooth/landmark_smoothing.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

struct Plugins {
  StageRegistry registry;
  std::unique_ptr<Stage> detect, align;
  Plugins() {
    RegisterBuiltinStages(registry);
    detect = registry.Get("detect/dlib-hog").create(*registry.Get("detect/dlib-hog").default_options());
    const StageInfo& a = registry.Get("align/dlib-68");
    auto o = a.default_options();
    align = a.create(*o);
    StreamFormat f;
    align->Open(f);
  }
  // The single face of `image` (fails the test otherwise).
  Face Find(const cv::Mat& image) {
    FrameBatch b;
    b.frames.resize(1);
    b.frames[0].image = image;
    detect->Process(b);
    align->Process(b);
    EXPECT_EQ(b.frames[0].faces.size(), 1u);
    return b.frames[0].faces.empty() ? Face{} : b.frames[0].faces[0];
  }
};

double MeanDistance(const std::vector<cv::Point2f>& a, const std::vector<cv::Point2f>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += cv::norm(a[i] - b[i]);
  return s / static_cast<double>(a.size());
}

TEST(ConvertGeometry, UnwarpedAlignedCropLandsOnTheOriginalLandmarks) {
  Plugins p;
  for (const char* still : {"franck_01829.jpg", "franck_02683.jpg", "franck_04117.jpg"}) {
    const cv::Mat frame = cv::imread(testing::SampleMedia(still));
    ASSERT_FALSE(frame.empty()) << still;
    const Face face = p.Find(frame);
    ASSERT_EQ(face.landmarks.size(), 68u);
    ASSERT_FALSE(face.aligned.empty());
    // Blank the face's region, paste the aligned crop back, and find the face again: only a
    // correct un-warp puts the features back where they were.
    cv::Mat canvas = frame.clone();
    const cv::Size crop = face.aligned.size();
    const cv::Rect roi = FaceBoxInFrame(face.frame_to_aligned, crop, frame.size());
    canvas(roi).setTo(cv::Scalar(128, 128, 128));
    BlendFace(BlendMethod::kAlpha, canvas, face.aligned, cv::Mat(crop, CV_32FC1, cv::Scalar(1)),
              face.frame_to_aligned);
    const Face again = p.Find(canvas);
    ASSERT_EQ(again.landmarks.size(), 68u);
    // The refitted landmarks (DlibLandmarksOptions::passes) of a re-rendered face repeat to
    // 1.02-1.07 px on these ~250 px faces, whatever rung the detector found them on; a
    // misplaced paste adds its offset to that.
    EXPECT_LT(MeanDistance(again.landmarks, face.landmarks), 1.25) << still;
  }
}

// The first `count` frames of a video.
class FirstFrames : public FrameSource {
 public:
  FirstFrames(const std::string& path, int count) : reader_(path), left_(count) {}
  StreamFormat Open() override { return reader_.Open(); }
  bool Read(FrameBatch& batch, int max_frames) override {
    if (left_ <= 0) return false;
    const int n = std::min(left_, max_frames);
    left_ -= n;
    return reader_.Read(batch, n);
  }

 private:
  VideoReader reader_;
  int left_;
};

// Mean second difference of the landmarks over time (px): high-frequency jitter.
double Jitter(const std::vector<std::vector<cv::Point2f>>& track) {
  double s = 0;
  int n = 0;
  for (size_t t = 1; t + 1 < track.size(); ++t) {
    if (track[t - 1].size() != 68 || track[t].size() != 68 || track[t + 1].size() != 68) continue;
    for (int i = 0; i < 68; ++i) s += cv::norm(track[t - 1][i] - 2 * track[t][i] + track[t + 1][i]);
    n += 68;
  }
  return n ? s / n : 0.0;
}

std::vector<std::vector<cv::Point2f>> TrackFranck(int window) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  RunnerOptions ro;
  ro.progress = ProgressMode::kOff;
  ro.batch_size = 4;
  Runner runner(ro);
  std::vector<std::shared_ptr<StageOptions>> keep;
  auto add = [&](const std::string& name, std::shared_ptr<StageOptions> o, int workers) {
    keep.push_back(o);
    const StageInfo& info = registry.Get(name);
    runner.AddStage(name, [&info, o] { return info.create(*o); }, workers);
  };
  add("detect/dlib-hog", registry.Get("detect/dlib-hog").default_options(), 2);
  auto align = std::shared_ptr<StageOptions>(registry.Get("align/dlib-68").default_options());
  add("align/dlib-68", align, 2);
  auto smooth = std::make_shared<SmoothingOptions>();
  smooth->window = window;
  add("smooth/landmarks", smooth, 1);
  std::vector<std::vector<cv::Point2f>> track;
  runner.SetConsumer([&](FrameBatch& b) {
    for (auto& f : b.frames) track.push_back(f.faces.empty() ? std::vector<cv::Point2f>{}
                                                             : f.faces[0].landmarks);
  });
  FirstFrames source(testing::SampleMedia("franck.mp4"), 120);
  runner.Run(source);
  return track;
}

TEST(ConvertGeometry, SmoothingReducesLandmarkJitterOnARealClip) {
  const auto raw = TrackFranck(1), smooth = TrackFranck(5);
  ASSERT_EQ(raw.size(), 120u);
  ASSERT_EQ(smooth.size(), 120u);
  const double before = Jitter(raw), after = Jitter(smooth);
  EXPECT_GT(before, 0.1) << "expected some jitter in raw landmarks";
  EXPECT_LT(after, 0.6 * before) << "jitter " << before << " px -> " << after << " px";
}

}  // namespace
}  // namespace faceswap
