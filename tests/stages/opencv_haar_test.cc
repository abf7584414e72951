// detect/opencv-haar on dlib's example photos.
#include "stages/detect/opencv_haar.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "base/check.h"
#include "stages/builtin_stages.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

// Photos are stills: the search tries every scale of its ladder.
std::vector<Face> DetectHaar(const std::string& photo, int min_neighbors = 5) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  const StageInfo& info = registry.Get("detect/opencv-haar");
  auto options = info.default_options();
  dynamic_cast<OpenCvHaarOptions&>(*options).min_neighbors = min_neighbors;
  EXPECT_EQ(options->Check(), "");
  auto stage = info.create(*options);
  FrameBatch batch;
  batch.frames.resize(1);
  batch.frames[0].image = cv::imread(testing::DlibExample("faces/" + photo));
  EXPECT_FALSE(batch.frames[0].image.empty());
  StreamFormat format;
  format.width = batch.frames[0].image.cols;
  format.height = batch.frames[0].image.rows;
  format.stills = true;
  stage->Open(format);
  stage->Process(batch);
  return batch.frames[0].faces;
}

TEST(OpenCvHaar, OneFaceInTomCruise) {
  const auto faces = DetectHaar("Tom_Cruise_avp_2014_4.jpg");
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_GT(faces[0].box.width, 80);
}

TEST(OpenCvHaar, ThreeFacesInGroupPhoto) {
  EXPECT_EQ(DetectHaar("2008_002506.jpg").size(), 3u);
}

TEST(OpenCvHaar, NoFaceInDogsWhenStrict) {
  // Haar is the weaker detector: at the default 5 neighbours it takes one dog's head for a
  // face (score 3.8, above a real face's 1.4 in 2008_002506.jpg); 12 neighbours reject it
  // and still find Tom Cruise.
  EXPECT_EQ(DetectHaar("dogs.jpg", 12).size(), 0u);
  EXPECT_EQ(DetectHaar("Tom_Cruise_avp_2014_4.jpg", 12).size(), 1u);
}

TEST(OpenCvHaar, MissingCascadeNamesThePackage) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  const StageInfo& info = registry.Get("detect/opencv-haar");
  auto options = info.default_options();
  dynamic_cast<OpenCvHaarOptions&>(*options).cascade = "/nonexistent/cascade.xml";
  try {
    info.create(*options);
    FAIL() << "expected FatalError";
  } catch (const FatalError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("/nonexistent/cascade.xml"), std::string::npos) << msg;
    EXPECT_NE(msg.find("opencv-data"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace faceswap
