// detect/dlib-mmod (dlib's CNN face detector) on dlib's own example photos. Needs the model
// from samples/fetch-models.sh. The CNN is slow on CPU (~0.5 s per megapixel scanned), so
// large photos are searched at a fixed scale.
#include "stages/detect/dlib_mmod.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "base/check.h"
#include "stages/builtin_stages.h"
#include "tests/stages/detect_harness.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

constexpr const char* kPlugin = "detect/dlib-mmod";

using testing::Detect;
using testing::Photo;

// The model is in the data cache (fails the test with the fetch instructions otherwise).
bool HaveModel() { return !testing::DlibModel(kMmodModelFile).empty(); }

float Iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  return inter / (a.area() + b.area() - inter);
}

TEST(DlibMmod, IsRegisteredWithAHelpfulDescription) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  const StageInfo& info = registry.Get(kPlugin);
  EXPECT_TRUE(info.parallel);
  EXPECT_NE(info.description.find("samples/fetch-models.sh"), std::string::npos);
}

TEST(DlibMmod, OneFaceInTomCruise) {
  ASSERT_TRUE(HaveModel());
  const cv::Mat image = Photo("Tom_Cruise_avp_2014_4.jpg");
  const auto faces = Detect(kPlugin, image);
  ASSERT_EQ(faces.size(), 1u);
  const cv::Rect2f& b = faces[0].box;
  EXPECT_GT(b.width, 150);
  EXPECT_GT(faces[0].score, 0.5f);
  EXPECT_GE(b.x, -b.width * 0.2f);
  EXPECT_LE(b.x + b.width, image.cols + b.width * 0.2f);
  // The same face as HOG's (the boxes are framed differently: compare loosely).
  const auto hog = Detect("detect/dlib-hog", image);
  ASSERT_EQ(hog.size(), 1u);
  EXPECT_GT(Iou(b, hog[0].box), 0.4f);
}

TEST(DlibMmod, ThreeFacesInGroupPhoto) {
  // Faces ~90-110 px (dlib's labels): found by the default search of a still, every rung.
  ASSERT_TRUE(HaveModel());
  const auto faces = Detect(kPlugin, Photo("2008_002506.jpg"));
  EXPECT_EQ(faces.size(), 3u);
  for (size_t i = 1; i < faces.size(); ++i) EXPECT_GE(faces[i - 1].score, faces[i].score);
}

TEST(DlibMmod, NoFaceInDogs) {
  ASSERT_TRUE(HaveModel());
  EXPECT_EQ(Detect(kPlugin, Photo("dogs.jpg"), [](DetectOptions& o) { o.scale = 1; }).size(), 0u);
}

TEST(DlibMmod, ManyFacesInBaldGuys) {
  // 24 faces, ~100-170 px in a 1986x1545 photo: found at half size (the default still search
  // would also scan it at 2x, ~12 MP).
  ASSERT_TRUE(HaveModel());
  const auto faces =
      Detect(kPlugin, Photo("bald_guys.jpg"), [](DetectOptions& o) { o.scale = 0.5; });
  EXPECT_GE(faces.size(), 20u);
  EXPECT_LE(faces.size(), 26u);
}

// `image` rotated by `degrees` (counter-clockwise) on a canvas that holds all of it.
cv::Mat Rotated(const cv::Mat& image, double degrees) {
  const cv::Point2f center(image.cols / 2.f, image.rows / 2.f);
  const cv::Rect2f bounds = cv::RotatedRect(center, image.size(), -degrees).boundingRect2f();
  cv::Mat m = cv::getRotationMatrix2D(center, degrees, 1.0);
  m.at<double>(0, 2) += bounds.width / 2 - center.x;
  m.at<double>(1, 2) += bounds.height / 2 - center.y;
  cv::Mat out;
  cv::warpAffine(image, out, m, bounds.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                 cv::Scalar(128, 128, 128));
  return out;
}

TEST(DlibMmod, FindsStronglyRolledFacesHogMisses) {
  // The group photo turned 45 degrees: the CNN still finds all three faces, HOG (whose five
  // filters cover upright and slightly rolled faces) loses some.
  ASSERT_TRUE(HaveModel());
  const cv::Mat image = Rotated(Photo("2008_002506.jpg"), 45);
  EXPECT_EQ(Detect(kPlugin, image).size(), 3u);
  EXPECT_LT(Detect("detect/dlib-hog", image).size(), 3u);
}

TEST(DlibMmod, SmallFaceInVideoIsFoundByTheFinestRung) {
  // Tom Cruise's face shrunk to ~45 px: below the 80 px window, found once the search
  // enlarges the frame (video: coarse rungs first, finest last).
  ASSERT_TRUE(HaveModel());
  const cv::Mat image = Photo("Tom_Cruise_avp_2014_4.jpg");
  const auto full = Detect(kPlugin, image, [](DetectOptions& o) { o.scale = 0.5; });
  ASSERT_EQ(full.size(), 1u);
  const double shrink = 45.0 / full[0].box.width;
  cv::Mat small;
  cv::resize(image, small, cv::Size(), shrink, shrink, cv::INTER_AREA);
  const auto found = Detect(kPlugin, small, {}, /*stills=*/false);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_GT(Iou(found[0].box, cv::Rect2f(full[0].box.x * shrink, full[0].box.y * shrink, 45, 45)),
            0.5f);
  // At scale 1 the window cannot see it.
  EXPECT_TRUE(Detect(kPlugin, small, [](DetectOptions& o) { o.scale = 1; }).empty());
}

TEST(DlibMmod, VideoFramesTrackTheFaceAndTinyCropsAreSafe) {
  // Frame 0: whole-frame search; frames 1-2: searched only around the previous face.
  ASSERT_TRUE(HaveModel());
  cv::Mat image;
  cv::resize(Photo("Tom_Cruise_avp_2014_4.jpg"), image, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  const StageInfo& info = registry.Get(kPlugin);
  auto stage = info.create(*info.default_options());
  StreamFormat format;
  format.width = image.cols;
  format.height = image.rows;
  stage->Open(format);
  FrameBatch batch;
  batch.frames.resize(3);
  for (auto& f : batch.frames) f.image = image;
  stage->Process(batch);
  ASSERT_EQ(batch.frames[0].faces.size(), 1u);
  for (const Frame& f : batch.frames) {
    ASSERT_EQ(f.faces.size(), 1u);
    EXPECT_GT(Iou(f.faces[0].box, batch.frames[0].faces[0].box), 0.7f);
  }
  // A frame smaller than the window: no face, no crash.
  FrameBatch tiny;
  tiny.frames.resize(1);
  tiny.frames[0].image = cv::Mat(12, 20, CV_8UC3, cv::Scalar(90, 110, 130));
  stage->Process(tiny);
  EXPECT_TRUE(tiny.frames[0].faces.empty());
}

TEST(DlibMmod, WorkersRunTheirOwnNetConcurrently) {
  // Two stage instances (two workers) on two threads give the single-threaded result.
  ASSERT_TRUE(HaveModel());
  const cv::Mat image = Photo("2008_002506.jpg");
  const auto fixed = [](DetectOptions& o) { o.scale = 1; };
  const auto expected = Detect(kPlugin, image, fixed);
  ASSERT_EQ(expected.size(), 3u);
  std::vector<Face> a, b;
  std::thread t1([&] { a = Detect(kPlugin, image, fixed); });
  std::thread t2([&] { b = Detect(kPlugin, image, fixed); });
  t1.join();
  t2.join();
  for (const auto* got : {&a, &b}) {
    ASSERT_EQ(got->size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ((*got)[i].box, expected[i].box);
      EXPECT_FLOAT_EQ((*got)[i].score, expected[i].score);
    }
  }
}

TEST(DlibMmod, OpenCvForwardMatchesDlibsOwn) {
  // The default forward pass (OpenCV dnn, dlib's weights) against dlib's net.process(): the
  // same boxes and scores, weak detections included (threshold -0.5), on several photos.
  ASSERT_TRUE(HaveModel());
  const auto reference = [](DetectOptions& o) {
    o.scale = 1;
    o.threshold = -0.5;
    dynamic_cast<DlibMmodOptions&>(o).dlib_forward = true;
  };
  const auto fast = [](DetectOptions& o) {
    o.scale = 1;
    o.threshold = -0.5;
  };
  size_t compared = 0;
  for (const char* name : {"2008_002506.jpg", "2008_002470.jpg", "2009_004587.jpg"}) {
    const cv::Mat image = Photo(name);
    const auto expected = Detect(kPlugin, image, reference);
    const auto got = Detect(kPlugin, image, fast);
    ASSERT_EQ(got.size(), expected.size()) << name;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(got[i].box, expected[i].box) << name << " face " << i;
      EXPECT_NEAR(got[i].score, expected[i].score, 1e-4) << name << " face " << i;
    }
    compared += expected.size();
  }
  EXPECT_GE(compared, 4u);
}

TEST(DlibMmod, ThresholdDropsWeakFaces) {
  ASSERT_TRUE(HaveModel());
  const cv::Mat image = Photo("2008_002506.jpg");
  const auto all = Detect(kPlugin, image, [](DetectOptions& o) { o.scale = 1; });
  ASSERT_EQ(all.size(), 3u);
  const float cut = 0.5f * (all[1].score + all[2].score);
  const auto strong = Detect(kPlugin, image, [&](DetectOptions& o) {
    o.scale = 1;
    o.threshold = cut;
  });
  ASSERT_EQ(strong.size(), 2u);
  EXPECT_EQ(strong[0].box, all[0].box);
}

// Restores an environment variable when the test ends.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(DlibMmod, MissingModelNamesTheFetchScript) {
  const std::string empty = testing::ScratchDir("mmod-no-model");
  ASSERT_FALSE(empty.empty());
  ScopedEnv env("FACESWAP_DATA_DIR", empty);
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  const StageInfo& info = registry.Get(kPlugin);
  try {
    info.create(*info.default_options());
    FAIL() << "expected FatalError";
  } catch (const FatalError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("samples/fetch-models.sh"), std::string::npos) << what;
    EXPECT_NE(what.find(empty), std::string::npos) << what;
    EXPECT_NE(what.find(kMmodModelFile), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace faceswap
