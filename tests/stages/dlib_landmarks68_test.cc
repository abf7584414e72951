// align/dlib-68: golden test against the landmarks dlib ships for its test photos, the
// alignment of the resulting crops, and the missing-model error.
#include "stages/align/dlib_landmarks68.h"

#include <dlib/data_io/image_dataset_metadata.h>
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "base/check.h"
#include "stages/builtin_stages.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

std::unique_ptr<Stage> MakeAligner(const std::function<void(DlibLandmarksOptions&)>& configure) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  const StageInfo& info = registry.Get("align/dlib-68");
  auto options = info.default_options();
  if (configure) configure(dynamic_cast<DlibLandmarksOptions&>(*options));
  EXPECT_EQ(options->Check(), "");
  return info.create(*options);
}

// dlib's testing_with_face_landmarks.xml holds 68 points per face made by the same model
// from the given boxes: our stage must reproduce them.
TEST(DlibLandmarks68, MatchesDlibGoldenLandmarks) {
  const std::string xml = testing::DlibExample("faces/testing_with_face_landmarks.xml");
  ASSERT_FALSE(xml.empty());
  dlib::image_dataset_metadata::dataset data;
  dlib::image_dataset_metadata::load_image_dataset_metadata(data, xml);
  const std::string dir = xml.substr(0, xml.rfind('/') + 1);
  // One fit from the golden file's box is exactly what dlib did (the default refits twice).
  auto stage = MakeAligner([](DlibLandmarksOptions& o) { o.passes = 1; });
  StreamFormat format;
  stage->Open(format);
  EXPECT_EQ(format.face_size, 256);

  double total_error = 0.0, worst_face = 0.0;
  int points = 0, faces = 0;
  for (const auto& img : data.images) {
    FrameBatch batch;
    batch.frames.resize(1);
    batch.frames[0].image = cv::imread(dir + img.filename);
    ASSERT_FALSE(batch.frames[0].image.empty()) << img.filename;
    for (const auto& box : img.boxes) {
      Face face;
      face.box = cv::Rect2f(box.rect.left(), box.rect.top(), box.rect.width(), box.rect.height());
      batch.frames[0].faces.push_back(face);
    }
    stage->Process(batch);
    ASSERT_EQ(batch.frames[0].faces.size(), img.boxes.size());
    for (size_t b = 0; b < img.boxes.size(); ++b) {
      const Face& face = batch.frames[0].faces[b];
      ASSERT_EQ(face.landmarks.size(), 68u);
      ASSERT_EQ(img.boxes[b].parts.size(), 68u);
      double face_error = 0.0;
      for (int i = 0; i < 68; ++i) {
        char name[4];
        std::snprintf(name, sizeof(name), "%02d", i);
        const dlib::point golden = img.boxes[b].parts.at(name);
        const double e = cv::norm(face.landmarks[i] - cv::Point2f(golden.x(), golden.y()));
        total_error += e;
        face_error += e / 68;
        ++points;
      }
      worst_face = std::max(worst_face, face_error);
      ++faces;
      EXPECT_EQ(face.aligned.size(), cv::Size(256, 256));
    }
  }
  EXPECT_EQ(faces, 25);
  const double mean = total_error / points;
  RecordProperty("mean_error_px", std::to_string(mean));
  EXPECT_LT(mean, 0.5) << "worst face mean " << worst_face;
  EXPECT_LT(worst_face, 1.0);
}

TEST(DlibLandmarks68, AlignedEyesSitOnTheTemplate) {
  auto stage = MakeAligner([](DlibLandmarksOptions& o) { o.size = 128; });
  FrameBatch batch;
  batch.frames.resize(1);
  batch.frames[0].image = cv::imread(testing::DlibExample("faces/Tom_Cruise_avp_2014_4.jpg"));
  // Boxes from the default detector, then landmarks, as extract chains them.
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  const StageInfo& hog = registry.Get("detect/dlib-hog");
  hog.create(*hog.default_options())->Process(batch);
  ASSERT_EQ(batch.frames[0].faces.size(), 1u);
  stage->Process(batch);
  const Face& out = batch.frames[0].faces[0];
  ASSERT_EQ(out.aligned.size(), cv::Size(128, 128));
  AlignmentConvention c;
  c.size = 128;
  const auto eyes = c.TemplateEyeCentres();
  EXPECT_LT(cv::norm(TransformedMean(out.landmarks, out.frame_to_aligned, 36, 42) - eyes[0]),
            0.03 * c.size);
  EXPECT_LT(cv::norm(TransformedMean(out.landmarks, out.frame_to_aligned, 42, 48) - eyes[1]),
            0.03 * c.size);
}

TEST(DlibLandmarks68, NoCropsWhenNotAsked) {
  auto stage = MakeAligner(nullptr);
  StreamFormat format;
  format.crops = false;  // The run wants no crops (extract --no-faces, convert).
  stage->Open(format);
  EXPECT_EQ(format.landmark_model, kDefaultLandmarkModel) << "Open() tells the filter its model";
  FrameBatch batch;
  batch.frames.resize(1);
  batch.frames[0].image = cv::imread(testing::DlibExample("faces/Tom_Cruise_avp_2014_4.jpg"));
  Face face;
  face.box = cv::Rect2f(171, 119, 186, 186);
  batch.frames[0].faces.push_back(face);
  stage->Process(batch);
  EXPECT_EQ(batch.frames[0].faces[0].landmarks.size(), 68u);
  EXPECT_TRUE(batch.frames[0].faces[0].aligned.empty());
}

TEST(DlibLandmarks68, MissingModelNamesFileAndPackage) {
  try {
    MakeAligner([](DlibLandmarksOptions& o) { o.model = "/nonexistent/sp68.dat"; });
    FAIL() << "expected FatalError";
  } catch (const FatalError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("/nonexistent/sp68.dat"), std::string::npos) << msg;
    EXPECT_NE(msg.find("libdlib-data"), std::string::npos) << msg;
  }
}

TEST(DlibLandmarks68, WrongFileIsAClearError) {
  const std::string xml = testing::DlibExample("faces/testing.xml");
  try {
    MakeAligner([&](DlibLandmarksOptions& o) { o.model = xml; });
    FAIL() << "expected FatalError";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find("not a dlib shape predictor"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace faceswap
