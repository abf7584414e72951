// `faceswap transcode -i IN -o OUT`: decode a video (or image folder) and write it again as
// a video (or image folder), optionally a frame range. It drives exactly the reader, runner
// and writer stages that extract/convert use, so it is the user-visible check of video I/O.
//
//   faceswap transcode -i in.mp4 -o out.mkv --crf 20 --preset medium
//   faceswap transcode -i in.mp4 -o frames/ --start 100 --end 200 --image-format jpg
//   faceswap transcode -i frames/ -o out.mp4 --fps 30
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>

#include "pipeline/check.h"
#include "pipeline/runner.h"
#include "pipeline/video_reader.h"
#include "pipeline/video_writer.h"
#include "stages/writer/images.h"
#include "stages/writer/video.h"
#include "tools/cli_binder.h"
#include "tools/command.h"
#include "tools/interrupt.h"

namespace faceswap {
namespace fs = std::filesystem;

namespace {

// Frames [start, end) of another source (end < 0: to the end), stopping on interruption.
class RangeSource : public FrameSource {
 public:
  RangeSource(std::unique_ptr<FrameSource> inner, int64_t start, int64_t end)
      : inner_(std::move(inner)), start_(start), end_(end) {}

  StreamFormat Open() override {
    StreamFormat format = inner_->Open();
    if (format.frame_count >= 0) {
      const int64_t stop = end_ >= 0 ? std::min(end_, format.frame_count) : format.frame_count;
      format.frame_count = std::max<int64_t>(0, stop - start_);
    } else if (end_ >= 0) {
      format.frame_count = end_ - start_;
    }
    return format;
  }

  bool Read(FrameBatch& batch, int max_frames) override {
    if (!skipped_) {
      skipped_ = true;
      next_ = Skip(start_);
    }
    ThrowIfInterrupted();
    if (end_ >= 0) max_frames = static_cast<int>(std::min<int64_t>(max_frames, end_ - next_));
    if (max_frames <= 0) return false;
    const size_t before = batch.frames.size();
    if (!inner_->Read(batch, max_frames)) return false;
    // Indices, not counts: frames lost to decode errors leave gaps in them.
    while (end_ >= 0 && batch.frames.size() > before && batch.frames.back().index >= end_) {
      batch.frames.pop_back();
    }
    if (batch.frames.size() == before) return false;
    next_ = batch.frames.back().index + 1;
    return true;
  }
  int64_t lost_frames() const override { return inner_->lost_frames(); }

 private:
  int64_t Skip(int64_t count) {
    if (auto* video = dynamic_cast<VideoReader*>(inner_.get())) return video->Skip(count);
    if (auto* images = dynamic_cast<ImageFolderReader*>(inner_.get())) return images->Skip(count);
    int64_t skipped = 0;
    FrameBatch batch;
    while (skipped < count && inner_->Read(batch, 1)) {
      batch.frames.clear();
      ++skipped;
    }
    return skipped;
  }

  std::unique_ptr<FrameSource> inner_;
  int64_t start_, end_;
  int64_t next_ = 0;
  bool skipped_ = false;
};

struct TranscodeOptions {
  std::string input;   // Video file or image folder.
  std::string output;  // Video file (by extension) or folder (no extension).
  int64_t start = 0;   // First frame written (0-based).
  int64_t end = -1;    // Frame to stop before; -1 = end of input.
  double fps = 25.0;   // Frame rate given to image-folder input.
  std::string Check() const {
    return OptionCheck()
        .Min<int64_t>("start", start, 0)
        .That(end < 0 || end > start, "invalid value " + std::to_string(end) +
                                          " for option 'end': expected -1 (to the end) or "
                                          "more than --start (" +
                                          std::to_string(start) + ")")
        .Range("fps", fps, 0.001, 1000.0)
        .Error();
  }
};

// Output kind from the path: a video extension, or a folder (no extension / existing dir).
bool IsFolderOutput(const std::string& output) {
  std::error_code ec;
  if (fs::is_directory(output, ec)) return true;
  if (!output.empty() && output.back() == '/') return true;
  return fs::path(output).extension().empty();
}

int RunTranscode(const TranscodeOptions& options, VideoWriterStageOptions video,
                 ImageWriterStageOptions images, const AppContext& context) {
  ThrowIfInvalid(options.Check());
  const bool to_folder = IsFolderOutput(options.output);
  if (!to_folder && !HasVideoExtension(options.output)) {
    std::string exts;
    for (const auto& e : VideoExtensions()) exts += (exts.empty() ? "" : ", ") + e;
    throw FatalError("cannot write '" + options.output + "': unknown video extension '" +
                     fs::path(options.output).extension().string() + "' (expected " + exts +
                     ", or no extension for an image folder)");
  }
  std::error_code ec;
  if (fs::exists(options.output, ec) && fs::equivalent(options.input, options.output, ec)) {
    throw FatalError("output '" + options.output + "' is the input: choose another output");
  }

  VideoReaderOptions reader_options;
  reader_options.threads = context.threads;
  RangeSource source(OpenFrameSource(options.input, reader_options, options.fps), options.start,
                     options.end);

  RunnerOptions runner_options;
  runner_options.batch_size = 4;
  runner_options.progress = context.progress;
  runner_options.progress_label = "transcode";
  Runner runner(runner_options);
  if (to_folder) {
    images.output = options.output;
    ThrowIfInvalid(images.Check());
    const StageInfo& info = context.registry.Get("writer/images");
    runner.AddStage(
        info.name, [&] { return info.create(images); }, ResolveThreads(context.threads));
  } else {
    video.output = options.output;
    video.video.threads = context.threads;
    ThrowIfInvalid(video.Check());
    const StageInfo& info = context.registry.Get("writer/video");
    runner.AddStage(info.name, [&] { return info.create(video); });
  }

  const RunStats stats = runner.Run(source);
  if (stats.frames == 0) {
    throw FatalError("no frames in range [" + std::to_string(options.start) + ", " +
                     (options.end < 0 ? std::string("end") : std::to_string(options.end)) +
                     ") of '" + options.input + "'");
  }
  spdlog::info("wrote {} frames to '{}' in {:.1f} s ({:.1f} fps)", stats.frames, options.output,
               stats.seconds, stats.fps());
  return 0;
}

}  // namespace

CommandSetup TranscodeCommand() {
  return [](CLI::App& sub, AppContext& context) -> CommandRun {
    auto options = std::make_shared<TranscodeOptions>();
    auto video = std::make_shared<VideoWriterStageOptions>();
    auto images = std::make_shared<ImageWriterStageOptions>();
    sub.add_option("-i,--input", options->input, "Input video file or image folder")->required();
    sub.add_option("-o,--output", options->output,
                   "Output video (.mp4 .m4v .mov .mkv) or image folder (no extension)")
        ->required();
    sub.add_option("--start", options->start, "First frame to write (0-based)")
        ->capture_default_str();
    sub.add_option("--end", options->end, "Frame to stop before; -1 = end of input")
        ->capture_default_str();
    sub.add_option("--fps", options->fps, "Frame rate of image-folder input")
        ->capture_default_str();
    CliOptionBinder video_binder(sub, "", "Video output");
    video->Bind(video_binder);
    CliOptionBinder image_binder(sub, "", "Image folder output");
    images->Bind(image_binder);
    return [options, video, images, &context] {
      return RunTranscode(*options, *video, *images, context);
    };
  };
}

}  // namespace faceswap
