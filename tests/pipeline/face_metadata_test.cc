// The face PNG metadata: JSON round trip, and malformed metadata is an error, not a crash.
#include "pipeline/face_metadata.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "pipeline/png_text.h"

namespace faceswap {
namespace {

FaceImageMetadata Example() {
  FaceImageMetadata m;
  m.source = "franck";
  m.frame = 123;
  m.face = 1;
  for (int i = 0; i < 68; ++i) m.landmarks.emplace_back(100.f + i * 1.2345f, 50.f + i * 0.5f);
  m.frame_to_aligned = cv::Matx23d(2, 0.5, -10, -0.5, 2, 20);
  m.size = 256;
  return m;
}

TEST(FaceMetadata, JsonRoundTrip) {
  const FaceImageMetadata m = Example();
  const std::string json = FaceMetadataToJson(m);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_LT(json.size(), 1400u);  // Compact: landmarks at 0.01 px.
  FaceImageMetadata back;
  std::string error;
  ASSERT_TRUE(ParseFaceMetadata(json, &back, &error)) << error;
  EXPECT_EQ(back.source, "franck");
  EXPECT_EQ(back.frame, 123);
  EXPECT_EQ(back.face, 1);
  EXPECT_EQ(back.name, "");
  EXPECT_EQ(back.size, 256);
  EXPECT_LT(back.identity_distance, 0);
  ASSERT_EQ(back.landmarks.size(), 68u);
  for (int i = 0; i < 68; ++i) EXPECT_NEAR(back.landmarks[i].x, m.landmarks[i].x, 0.0051);
  EXPECT_EQ(back.frame_to_aligned(0, 2), -10.0);
  const auto crop = back.CropLandmarks();
  EXPECT_NEAR(crop[0].x, 2 * 100 + 0.5 * 50 - 10, 1e-3);
  EXPECT_NEAR(crop[0].y, -0.5 * 100 + 2 * 50 + 20, 1e-3);
}

TEST(FaceMetadata, ReadFromPngBytes) {
  std::vector<uint8_t> png;
  ASSERT_TRUE(cv::imencode(".png", cv::Mat(8, 8, CV_8UC3, cv::Scalar(1, 2, 3)), png));
  FaceImageMetadata m;
  std::string error = "unset";
  EXPECT_FALSE(ReadFaceMetadata(png, &m, &error));
  EXPECT_EQ(error, "");  // A face from elsewhere: no chunk, no error.
  png = AddPngText(png, kFacePngTextKey, FaceMetadataToJson(Example()));
  ASSERT_TRUE(ReadFaceMetadata(png, &m, &error)) << error;
  EXPECT_EQ(m.frame, 123);
}

TEST(FaceMetadata, MalformedIsAnError) {
  FaceImageMetadata m;
  std::string error;
  for (const std::string bad :
       {"", "[]", "{", R"({"frame":1,"face":0})", R"({"source":"a","frame":-1,"face":0})",
        R"({"source":"a","frame":1.5,"face":0})", R"({"source":"a","frame":1,"face":"0"})",
        R"({"source":"a","frame":1,"face":0,"landmarks":[[1,2]]})",
        R"({"source":"a","frame":1,"face":0,"size":0})"}) {
    EXPECT_FALSE(ParseFaceMetadata(bad, &m, &error)) << bad;
    EXPECT_EQ(error.rfind("face metadata: ", 0), 0u) << bad << " -> " << error;
  }
  EXPECT_TRUE(ParseFaceMetadata(R"({"source":"a","frame":1,"face":0,"extra":[1]})", &m, &error));
}

}  // namespace
}  // namespace faceswap
