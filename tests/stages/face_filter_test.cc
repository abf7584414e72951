// filter/faces and the identity code under it (stages/identity/): dlib's ResNet descriptor on
// real photos (Franck's 11 stills, dlib's five Johns, dlib's example photos), the reference
// loader, the stage's decisions and tally, and the identity_distance field of the alignments
// file. The distance distributions are printed and recorded (RecordProperty) so the default
// threshold (0.6) stays justified by measurement.
#include "stages/filter/face_filter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "base/check.h"
#include "pipeline/alignments_file.h"
#include "stages/align/dlib_landmarks68.h"
#include "stages/builtin_stages.h"
#include "stages/detect/detect_options.h"
#include "stages/identity/face_descriptor.h"
#include "stages/identity/reference_set.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

using testing::kFranckStills;
using testing::kJohns;

const FaceDescriptor& Net() {
  static const FaceDescriptor net(testing::DlibModel(kFaceDescriptorModelFile));
  return net;
}

std::vector<std::string> FranckPaths() {
  std::vector<std::string> paths;
  for (const char* name : kFranckStills) paths.push_back(testing::SampleMedia(name));
  return paths;
}

std::vector<std::string> JohnChips(const std::string& who) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(testing::Johns(who))) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<float> Describe(const std::string& path) {
  const cv::Mat image = cv::imread(path);
  EXPECT_FALSE(image.empty()) << path;
  return DescribeLargestFace(image, Net());
}

struct Spread {
  double min = 1e9, median = 0, max = 0;
  size_t n = 0;
};
Spread SpreadOf(std::vector<double> v) {
  Spread s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.min = v.front();
  s.max = v.back();
  s.median = v[v.size() / 2];
  s.n = v.size();
  return s;
}
void Report(const std::string& what, const Spread& s) {
  std::printf("  %-34s n=%3zu  min %.3f  median %.3f  max %.3f\n", what.c_str(), s.n, s.min,
              s.median, s.max);
  ::testing::Test::RecordProperty(what + "_min", std::to_string(s.min));
  ::testing::Test::RecordProperty(what + "_median", std::to_string(s.median));
  ::testing::Test::RecordProperty(what + "_max", std::to_string(s.max));
}

// A photo through the registry's detect/dlib-hog and align/dlib-68, as extract runs them.
// `detect_scale`: the detector's fixed scale (dlib's group photos: 2, for faces of ~50 px).
Frame Landmarked(const std::string& path, double detect_scale = 1.0) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  Frame frame;
  frame.image = cv::imread(path);
  EXPECT_FALSE(frame.image.empty()) << path;
  frame.name = fs::path(path).stem().string();
  FrameBatch batch;
  batch.frames.push_back(frame);
  for (const char* name : {"detect/dlib-hog", "align/dlib-68"}) {
    const StageInfo& info = registry.Get(name);
    auto options = info.default_options();
    if (auto* d = dynamic_cast<DetectOptions*>(options.get())) d->scale = detect_scale;
    auto stage = info.create(*options);
    StreamFormat format;
    format.width = frame.image.cols;
    format.height = frame.image.rows;
    stage->Open(format);
    stage->Process(batch);
  }
  return batch.frames[0];
}

std::unique_ptr<Stage> MakeFilter(const FaceFilterOptions& options) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  const StageInfo& info = registry.Get("filter/faces");
  EXPECT_TRUE(info.parallel);
  EXPECT_EQ(options.Check(), "");
  auto stage = info.create(options);
  StreamFormat format;  // References are loaded here, with the default landmark model.
  stage->Open(format);
  return stage;
}

FaceFilterOptions WithModels() {
  FaceFilterOptions o;
  o.descriptor_model = testing::DlibModel(kFaceDescriptorModelFile);
  return o;
}

// Every pair of Franck's stills (55) is the same person by dlib's line, and his stills' own
// mean is close to each of them.
TEST(FaceDescriptor, FranckStillsAreOnePerson) {
  std::vector<std::vector<float>> d;
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& path : FranckPaths()) {
    d.push_back(Describe(path));
    ASSERT_EQ(d.back().size(), 128u) << path;
  }
  const double ms = 1000.0 *
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                    static_cast<double>(d.size());
  std::printf("  reference photo (720x576: HOG upsampled x2, 68 points, descriptor): %.0f ms\n",
              ms);
  RecordProperty("reference_photo_ms", std::to_string(ms));
  std::vector<double> pairs, to_mean;
  const std::vector<float> mean = MeanDescriptor(d);
  for (size_t i = 0; i < d.size(); ++i) {
    to_mean.push_back(DescriptorDistance(d[i], mean));
    for (size_t j = i + 1; j < d.size(); ++j) pairs.push_back(DescriptorDistance(d[i], d[j]));
  }
  const Spread s = SpreadOf(pairs);
  Report("franck_vs_franck", s);
  Report("franck_vs_franck_mean", SpreadOf(to_mean));
  EXPECT_EQ(s.n, 55u);
  EXPECT_LT(s.max, kSamePersonDistance);
  EXPECT_LT(SpreadOf(to_mean).max, 0.45);
}

// Franck against every chip of the five Johns (55 chips x 11 stills) is another person; the
// Johns among themselves are separated too (each John's chips vs the other Johns' chips).
TEST(FaceDescriptor, FranckIsNoneOfTheJohns) {
  std::vector<std::vector<float>> franck;
  for (const auto& path : FranckPaths()) franck.push_back(Describe(path));
  std::vector<double> vs_franck, vs_mean, same_john, other_john;
  std::vector<std::vector<std::vector<float>>> johns;
  const std::vector<float> franck_mean = MeanDescriptor(franck);
  for (const char* who : kJohns) {
    johns.emplace_back();
    for (const auto& chip : JohnChips(who)) {
      const std::vector<float> j = Net().ComputeChip(cv::imread(chip));
      johns.back().push_back(j);
      double nearest = 1e9;
      for (const auto& f : franck) {
        const double dist = DescriptorDistance(j, f);
        vs_franck.push_back(dist);
        nearest = std::min(nearest, dist);
      }
      EXPECT_GT(nearest, kSamePersonDistance) << chip;
      vs_mean.push_back(DescriptorDistance(j, franck_mean));
    }
    EXPECT_EQ(johns.back().size(), 11u) << who;
  }
  for (size_t a = 0; a < johns.size(); ++a) {
    for (size_t i = 0; i < johns[a].size(); ++i) {
      for (size_t b = a; b < johns.size(); ++b) {
        for (size_t j = (a == b ? i + 1 : 0); j < johns[b].size(); ++j) {
          (a == b ? same_john : other_john).push_back(DescriptorDistance(johns[a][i], johns[b][j]));
        }
      }
    }
  }
  const Spread s = SpreadOf(vs_franck);
  Report("franck_vs_johns", s);
  Report("franck_mean_vs_johns", SpreadOf(vs_mean));
  Report("john_vs_same_john", SpreadOf(same_john));
  Report("john_vs_other_johns", SpreadOf(other_john));
  EXPECT_EQ(s.n, 55u * 11u);
  EXPECT_GT(s.min, kSamePersonDistance);
  EXPECT_GT(SpreadOf(vs_mean).min, kSamePersonDistance);
}

// The other faces of the must-show folder (dlib's bald_guys.jpg, 24 faces, and 2008_002506.jpg,
// 3 faces): their distance to Franck's mean, measured from frame landmarks as extract does.
TEST(FaceDescriptor, GroupPhotoFacesAreNotFranck) {
  std::vector<std::vector<float>> franck;
  for (const auto& path : FranckPaths()) franck.push_back(Describe(path));
  const std::vector<float> franck_mean = MeanDescriptor(franck);
  std::vector<double> dist;
  size_t faces = 0;
  double seconds = 0;
  for (const auto& [name, scale] : std::vector<std::pair<std::string, double>>{
           {"faces/bald_guys.jpg", 1.0}, {"faces/2008_002506.jpg", 2.0}}) {
    const Frame frame = Landmarked(testing::DlibExample(name), scale);
    std::vector<std::vector<cv::Point2f>> landmarks;
    for (const auto& f : frame.faces) {
      if (f.landmarks.size() == 68) landmarks.push_back(f.landmarks);
    }
    EXPECT_GE(landmarks.size(), name == "faces/bald_guys.jpg" ? 20u : 3u) << name;
    const auto t0 = std::chrono::steady_clock::now();
    const auto codes = Net().Compute(frame.image, landmarks);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_EQ(codes.size(), landmarks.size());
    faces += codes.size();
    for (const auto& c : codes) dist.push_back(DescriptorDistance(c, franck_mean));
  }
  const Spread s = SpreadOf(dist);
  Report("franck_mean_vs_group_photos", s);
  const double ms = 1000.0 * seconds / static_cast<double>(faces);
  std::printf("  descriptor, batched per frame: %.1f ms per face (%zu faces)\n", ms, faces);
  RecordProperty("descriptor_ms_per_face_batched", std::to_string(ms));
  EXPECT_GT(s.min, kSamePersonDistance);
}

// The same face measured three ways agrees: from the frame's landmarks, from extract's 256 px
// aligned crop of it (found again in the crop), and, for dlib's chips, directly as a chip or
// found in the chip.
TEST(FaceDescriptor, ChipAndFrameAgree) {
  std::vector<double> crop_vs_frame, chip_vs_found;
  for (const char* still : {"franck_01829.jpg", "franck_03909.jpg", "franck_04117.jpg"}) {
    const Frame frame = Landmarked(testing::SampleMedia(still));
    ASSERT_EQ(frame.faces.size(), 1u) << still;
    const Face& face = frame.faces[0];
    ASSERT_EQ(face.landmarks.size(), 68u);
    ASSERT_EQ(face.aligned.size(), cv::Size(256, 256));
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<float> from_frame = Net().Compute(frame.image, face.landmarks);
    const double ms =
        1000.0 * std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (std::string(still) == kFranckStills[0]) {
      std::printf("  descriptor, one face (chip + forward pass): %.1f ms\n", ms);
      RecordProperty("descriptor_ms_single", std::to_string(ms));
    }
    const std::vector<float> from_crop = DescribeLargestFace(face.aligned, Net());
    ASSERT_FALSE(from_crop.empty()) << "no face found in the aligned crop of " << still;
    crop_vs_frame.push_back(DescriptorDistance(from_frame, from_crop));
  }
  for (const char* who : kJohns) {
    for (const auto& chip_path : JohnChips(who)) {
      const cv::Mat chip = cv::imread(chip_path);
      const std::vector<float> found = DescribeLargestFace(chip, Net());
      ASSERT_FALSE(found.empty()) << "no face found in chip " << chip_path;
      chip_vs_found.push_back(DescriptorDistance(Net().ComputeChip(chip), found));
    }
  }
  Report("aligned_crop_vs_frame", SpreadOf(crop_vs_frame));
  Report("john_chip_vs_found_in_chip", SpreadOf(chip_vs_found));
  EXPECT_LT(SpreadOf(crop_vs_frame).max, 0.2);
  EXPECT_LT(SpreadOf(chip_vs_found).max, 0.25);
}

// Several faces of one image in one batch give what one at a time gives; concurrent calls
// (each on its own network copy) give the same numbers.
TEST(FaceDescriptor, BatchAndThreadsMatchOneByOne) {
  const Frame frame = Landmarked(testing::DlibExample("faces/2008_002506.jpg"), 2.0);
  std::vector<std::vector<cv::Point2f>> landmarks;
  for (const auto& f : frame.faces) landmarks.push_back(f.landmarks);
  ASSERT_EQ(landmarks.size(), 3u);
  const auto batched = Net().Compute(frame.image, landmarks);
  ASSERT_EQ(batched.size(), 3u);
  for (size_t i = 0; i < landmarks.size(); ++i) {
    EXPECT_LT(DescriptorDistance(batched[i], Net().Compute(frame.image, landmarks[i])), 1e-4);
  }
  std::vector<std::vector<float>> results(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] { results[t] = Net().Compute(frame.image, landmarks[t % 3]); });
  }
  for (auto& t : threads) t.join();
  for (size_t t = 0; t < results.size(); ++t) {
    EXPECT_LT(DescriptorDistance(results[t], batched[t % 3]), 1e-4) << t;
  }
}

TEST(FaceDescriptor, MissingModelNamesTheFetchScript) {
  try {
    FaceDescriptor net("/nonexistent/dlib_face_recognition_resnet_model_v1.dat");
    FAIL() << "expected FatalError";
  } catch (const FatalError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'/nonexistent/dlib_face_recognition_resnet_model_v1.dat'"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("samples/fetch-models.sh"), std::string::npos) << msg;
  }
}

TEST(FaceDescriptor, WrongModelFileIsAClearError) {
  try {
    FaceDescriptor net(kDefaultLandmarkModel);  // A dlib file, but a shape predictor.
    FAIL() << "expected FatalError";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find("is not dlib's ResNet face recognition network"),
              std::string::npos)
        << e.what();
  }
}

TEST(ReferenceSet, PhotoWithoutFaceIsAnError) {
  const std::string dogs = testing::DlibExample("faces/dogs.jpg");
  try {
    LoadReferences({dogs}, Net());
    FAIL() << "expected FatalError";
  } catch (const FatalError& e) {
    EXPECT_EQ(std::string(e.what()),
              "no face found in reference image '" + dogs + "': expected a photo with a face");
  }
}

TEST(ReferenceSet, MissingPathIsAnError) {
  try {
    LoadReferences({"/nonexistent/franck.jpg"}, Net());
    FAIL() << "expected FatalError";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find("'/nonexistent/franck.jpg' does not exist"),
              std::string::npos)
        << e.what();
  }
}

// A folder of aligned chips (a John) gives one descriptor per image, in name order; its mean
// is close to each and far from Franck.
TEST(ReferenceSet, FolderOfChipsGivesOneDescriptorEach) {
  const ReferenceSet set = LoadReferences({testing::Johns("John_Simm")}, Net());
  ASSERT_EQ(set.files.size(), 11u);
  ASSERT_EQ(set.descriptors.size(), 11u);
  EXPECT_TRUE(std::is_sorted(set.files.begin(), set.files.end()));
  ASSERT_EQ(set.mean.size(), 128u);
  for (const auto& d : set.descriptors) EXPECT_LT(DescriptorDistance(d, set.mean), 0.5);
  EXPECT_GT(DescriptorDistance(Describe(testing::SampleMedia("franck_02045.jpg")), set.mean),
            kSamePersonDistance);
}

// The stage: with --ref Franck, Franck's face in another still is kept (with its distance) and
// the three faces of a group photo are dropped; --exclude-ref does the opposite; --min-size
// drops by landmark extent. Passthrough frames are left alone.
TEST(FaceFilter, KeepsTheReferencePersonOnly) {
  const Frame franck = Landmarked(testing::SampleMedia("franck_03979.jpg"));
  const Frame group = Landmarked(testing::DlibExample("faces/2008_002506.jpg"), 2.0);
  ASSERT_EQ(franck.faces.size(), 1u);
  ASSERT_EQ(group.faces.size(), 3u);
  auto batch_of = [&] {
    FrameBatch batch;
    batch.frames = {franck, group, group};
    batch.frames[2].passthrough = true;
    return batch;
  };

  FaceFilterOptions keep = WithModels();
  keep.refs = {testing::SampleMedia("franck_01829.jpg")};
  FrameBatch batch = batch_of();
  auto stage = MakeFilter(keep);
  stage->Process(batch);
  ASSERT_EQ(batch.frames[0].faces.size(), 1u);
  EXPECT_GE(batch.frames[0].faces[0].identity_distance, 0.f);
  EXPECT_LT(batch.frames[0].faces[0].identity_distance, kSamePersonDistance);
  EXPECT_TRUE(batch.frames[1].faces.empty());
  EXPECT_EQ(batch.frames[2].faces.size(), 3u);  // Passthrough: untouched.
  FrameBatch tail;
  stage->Close(tail);
  FaceFilterCounts c = keep.Counts();
  EXPECT_EQ(c.kept, 1);
  EXPECT_EQ(c.dropped_ref, 3);
  EXPECT_EQ(c.dropped(), 3);
  EXPECT_EQ(c.described, 4);

  FaceFilterOptions exclude = WithModels();
  exclude.exclude_refs = keep.refs;
  batch = batch_of();
  MakeFilter(exclude)->Process(batch);
  EXPECT_TRUE(batch.frames[0].faces.empty());
  ASSERT_EQ(batch.frames[1].faces.size(), 3u);
  for (const auto& f : batch.frames[1].faces) EXPECT_EQ(f.identity_distance, -1.f);
  EXPECT_EQ(exclude.Counts().dropped_exclude, 1);
  EXPECT_EQ(exclude.Counts().kept, 3);

  // Franck's landmarks span ~250 px in the still, the group's ~50-80 px.
  FaceFilterOptions size;
  size.min_size = 150;
  batch = batch_of();
  MakeFilter(size)->Process(batch);
  EXPECT_EQ(batch.frames[0].faces.size(), 1u);
  EXPECT_TRUE(batch.frames[1].faces.empty());
  EXPECT_EQ(size.Counts().dropped_size, 3);
}

// Workers made from one options object add to one tally.
TEST(FaceFilter, WorkersShareOneTally) {
  FaceFilterOptions o;
  o.min_size = 150;
  const Frame group = Landmarked(testing::DlibExample("faces/2008_002506.jpg"), 2.0);
  auto a = MakeFilter(o), b = MakeFilter(o);
  FrameBatch one, two;
  one.frames = {group};
  two.frames = {group, group};
  std::thread ta([&] { a->Process(one); }), tb([&] { b->Process(two); });
  ta.join();
  tb.join();
  FrameBatch tail;
  a->Close(tail);
  b->Close(tail);
  EXPECT_EQ(o.Counts().dropped_size, 9);
  EXPECT_EQ(o.Counts().kept, 0);
}

TEST(FaceFilter, OptionErrorsNameTheValue) {
  FaceFilterOptions o;
  o.ref_threshold = 3;
  EXPECT_EQ(o.Check(), "invalid value 3 for option 'ref-threshold': expected 0 to 2");
  o.ref_threshold = -0.5;
  EXPECT_NE(o.Check().find("'ref-threshold'"), std::string::npos);
  o = FaceFilterOptions();
  o.min_size = -1;
  EXPECT_NE(o.Check().find("'min-size'"), std::string::npos);
  o = FaceFilterOptions();
  o.exclude_refs = {"/nonexistent/who.jpg"};
  EXPECT_EQ(o.Check(),
            "reference '/nonexistent/who.jpg' for option 'exclude-ref' does not exist: expected a "
            "photo with a face or a folder of them");
  o = FaceFilterOptions();
  EXPECT_EQ(o.Check(), "");
  EXPECT_FALSE(o.Active());
}

TEST(FaceFilter, MissingDescriptorModelIsAnError) {
  FaceFilterOptions o;
  o.refs = {testing::SampleMedia("franck_01829.jpg")};
  o.descriptor_model = "/nonexistent/model.dat";
  try {
    MakeFilter(o);
    FAIL() << "expected FatalError";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find("samples/fetch-models.sh"), std::string::npos) << e.what();
  }
}

// Alignments 1.1: identity_distance is written when measured and read back; absent otherwise.
TEST(FaceFilter, IdentityDistanceInAlignmentsFile) {
  Alignments a;
  AlignmentsSource s;
  s.path = "x.mp4";
  AlignmentsFrame f;
  Face measured, unmeasured;
  measured.identity_distance = 0.3125f;
  f.faces = {measured, unmeasured};
  s.frames.push_back(f);
  a.sources.push_back(s);
  const std::string text = AlignmentsToJson(a);
  EXPECT_NE(text.find("\"version\": \"1.1\""), std::string::npos);
  EXPECT_NE(text.find("\"identity_distance\":0.3125"), std::string::npos) << text;
  EXPECT_EQ(text.find("identity_distance"), text.rfind("identity_distance"));
  const Alignments back = AlignmentsFromJson(text, "test");
  ASSERT_EQ(back.sources.at(0).frames.at(0).faces.size(), 2u);
  EXPECT_EQ(back.sources[0].frames[0].faces[0].identity_distance, 0.3125f);
  EXPECT_EQ(back.sources[0].frames[0].faces[1].identity_distance, -1.f);
}

}  // namespace
}  // namespace faceswap
