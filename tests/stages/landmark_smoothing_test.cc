#include "stages/smooth/landmark_smoothing.h"

#include <random>

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "pipeline/runner.h"
#include "tests/testing/dlib_xml.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

// A face moving slowly across 80 frames with per-frame landmark jitter; one frame without a
// face and one passthrough frame in the middle.
class JitteryFaceSource : public FrameSource {
 public:
  explicit JitteryFaceSource(std::vector<cv::Point2f> shape) : shape_(std::move(shape)) {}
  StreamFormat Open() override {
    StreamFormat f;
    f.frame_count = kFrames;
    return f;
  }
  bool Read(FrameBatch& batch, int max_frames) override {
    if (next_ >= kFrames) return false;
    for (int i = 0; i < max_frames && next_ < kFrames; ++i, ++next_) {
      Frame f;
      f.index = next_;
      f.passthrough = next_ == 41;
      truth_.push_back(Moved(next_));
      if (next_ != 30) {
        Face face;
        face.landmarks = truth_.back();
        for (auto& p : face.landmarks) p += cv::Point2f(noise_(rng_), noise_(rng_));
        const cv::Rect r = cv::boundingRect(face.landmarks);
        face.box = cv::Rect2f(r);
        f.faces.push_back(face);
      }
      batch.frames.push_back(std::move(f));
    }
    return true;
  }
  const std::vector<std::vector<cv::Point2f>>& truth() const { return truth_; }
  static constexpr int kFrames = 80;

 private:
  std::vector<cv::Point2f> Moved(int t) const {
    auto pts = shape_;
    for (auto& p : pts) p += cv::Point2f(0.5f * t, 0.2f * t);
    return pts;
  }
  std::vector<cv::Point2f> shape_;
  std::mt19937 rng_{42};
  std::normal_distribution<float> noise_{0.f, 1.5f};
  std::vector<std::vector<cv::Point2f>> truth_;
  int next_ = 0;
};

double MeanError(const std::vector<cv::Point2f>& a, const std::vector<cv::Point2f>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += cv::norm(a[i] - b[i]);
  return s / static_cast<double>(a.size());
}

struct Result {
  std::vector<Frame> frames;
  std::vector<std::vector<cv::Point2f>> truth;
};

Result RunSmoothing(int window, int batch) {
  const auto images =
      testing::ReadDlibXml(testing::DlibExample("faces/testing_with_face_landmarks.xml"));
  std::vector<cv::Point2f> shape = images.at(0).faces.at(0).landmarks;
  for (auto& p : shape) p *= 3.f;  // ~150 px face, like franck.mp4.
  JitteryFaceSource source(shape);
  RunnerOptions o;
  o.batch_size = batch;
  o.progress = ProgressMode::kOff;
  Runner runner(o);
  SmoothingOptions so;
  so.window = window;
  EXPECT_EQ(so.Check(), "");
  const StageInfo info = LandmarkSmoothingStageInfo();
  runner.AddStage(info.name, [&] { return info.create(so); });
  Result r;
  runner.SetConsumer([&](FrameBatch& b) {
    for (auto& f : b.frames) r.frames.push_back(std::move(f));
  });
  runner.Run(source);
  r.truth = source.truth();
  return r;
}

TEST(LandmarkSmoothing, ReducesJitterAndKeepsEveryFrameInOrder) {
  for (int batch : {1, 4}) {
    const Result raw = RunSmoothing(1, batch), smooth = RunSmoothing(7, batch);
    ASSERT_EQ(smooth.frames.size(), static_cast<size_t>(JitteryFaceSource::kFrames));
    double raw_err = 0, smooth_err = 0;
    int n = 0;
    for (size_t i = 0; i < smooth.frames.size(); ++i) {
      EXPECT_EQ(smooth.frames[i].index, static_cast<int64_t>(i));
      if (i == 30) {
        EXPECT_TRUE(smooth.frames[i].faces.empty());
        continue;
      }
      if (i == 41) {  // Passthrough frames are not modified.
        EXPECT_EQ(MeanError(smooth.frames[i].faces[0].landmarks, raw.frames[i].faces[0].landmarks),
                  0.0);
        continue;
      }
      raw_err += MeanError(raw.frames[i].faces[0].landmarks, raw.truth[i]);
      smooth_err += MeanError(smooth.frames[i].faces[0].landmarks, smooth.truth[i]);
      ++n;
    }
    EXPECT_LT(smooth_err / n, 0.6 * raw_err / n)
        << "jitter " << raw_err / n << " px -> " << smooth_err / n << " px";
  }
}

TEST(LandmarkSmoothing, RejectsEvenWindow) {
  SmoothingOptions o;
  o.window = 4;
  EXPECT_NE(o.Check().find("odd"), std::string::npos);
}

}  // namespace
}  // namespace faceswap
