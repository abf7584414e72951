// writer/faces: file names, content, atomic writes, unwritable folders.
#include "stages/writer/face_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "base/check.h"
#include "stages/builtin_stages.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<Stage> MakeWriter() {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  const StageInfo& info = registry.Get("writer/faces");
  auto options = info.default_options();
  EXPECT_EQ(options->Check(), "");
  return info.create(*options);
}

// The run writing into `folder` from a video named clip.mp4: what Open() is told.
StreamFormat RunInto(const std::string& folder) {
  StreamFormat format;
  format.output = folder;
  format.path = "/videos/clip.mp4";
  return format;
}

TEST(FaceWriter, FileNamePattern) {
  EXPECT_EQ(FaceFileName("franck", 123, 0), "franck_000123_0.png");
  EXPECT_EQ(FaceFileName("a b", 1234567, 12), "a b_1234567_12.png");
}

TEST(FaceWriter, WritesEachCropLosslessly) {
  const std::string dir = testing::ScratchDir("facewriter") + "/faces";  // Created by Open.
  auto writer = MakeWriter();
  StreamFormat format = RunInto(dir);
  writer->Open(format);
  FrameBatch batch;
  batch.frames.resize(2);
  batch.frames[0].index = 7;
  batch.frames[1].index = 8;
  batch.frames[1].name = "IMG_0042";  // Image-folder frame: its own stem is the source.
  cv::Mat crop(64, 64, CV_8UC3);
  cv::randu(crop, 0, 255);
  for (int k = 0; k < 2; ++k) {
    Face f;
    f.aligned = crop + cv::Scalar(k, k, k);
    batch.frames[0].faces.push_back(f);
  }
  batch.frames[0].faces.push_back(Face{});  // No crop: skipped.
  batch.frames[1].faces.push_back(batch.frames[0].faces[0]);
  writer->Process(batch);
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  EXPECT_EQ(names, (std::set<std::string>{"clip_000007_0.png", "clip_000007_1.png",
                                          "IMG_0042_000008_0.png"}));
  const cv::Mat back = cv::imread(dir + "/clip_000007_1.png");
  ASSERT_EQ(back.size(), crop.size());
  EXPECT_EQ(cv::norm(back, crop + cv::Scalar(1, 1, 1), cv::NORM_INF), 0.0);
}

TEST(FaceWriter, UnwritableFolderIsAClearError) {
  const std::string dir = testing::ScratchDir("facewriter");
  std::ofstream(dir + "/file.txt") << "x";
  auto writer = MakeWriter();
  StreamFormat format = RunInto(dir + "/file.txt/faces");
  try {
    writer->Open(format);
    FAIL() << "expected FatalError";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find("file.txt/faces"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace faceswap
