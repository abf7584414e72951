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

#include "base/check.h"
#include "pipeline/frame_range.h"
#include "pipeline/pipeline_builder.h"
#include "pipeline/plugin_options.h"
#include "pipeline/video_reader.h"
#include "pipeline/video_writer.h"
#include "tools/cli_binder.h"
#include "tools/command.h"

namespace faceswap {
namespace fs = std::filesystem;

namespace {

struct TranscodeOptions {
  std::string input;   // Video file or image folder.
  std::string output;  // Video file (by extension) or folder (no extension).
  int64_t start = 0;   // First frame written (0-based).
  int64_t end = -1;    // Frame to stop before; -1 = end of input.
  double fps = 25.0;   // Frame rate given to image-folder input.
  FrameRangeOptions Range() const {
    FrameRangeOptions range;
    range.start = start;
    range.end = end;
    return range;
  }
  std::string Check() const {
    return OptionCheck().Include(Range().Check()).Range("fps", fps, 0.001, 1000.0).Error();
  }
};

// Output kind from the path: a video extension, or a folder (no extension / existing dir).
bool IsFolderOutput(const std::string& output) {
  std::error_code ec;
  if (fs::is_directory(output, ec)) return true;
  if (!output.empty() && output.back() == '/') return true;
  return fs::path(output).extension().empty();
}

int RunTranscode(const TranscodeOptions& options, PluginOptions& plugins,
                 const AppContext& context) {
  ThrowIfInvalid(options.Check());
  const bool to_folder = IsFolderOutput(options.output);
  if (!to_folder && !HasVideoExtension(options.output)) {
    throw FatalError("cannot write '" + options.output + "': unknown video extension '" +
                     fs::path(options.output).extension().string() + "' (expected " +
                     Join(VideoExtensions()) + ", or no extension for an image folder)");
  }
  std::error_code ec;
  if (fs::exists(options.output, ec) && fs::equivalent(options.input, options.output, ec)) {
    throw FatalError("output '" + options.output + "' is the input: choose another output");
  }

  VideoReaderOptions reader_options;
  reader_options.threads = context.threads;
  FrameRange source(OpenFrameSource(options.input, reader_options, options.fps),
                    options.Range());
  RunnerOptions runner_options;
  runner_options.batch_size = 4;
  runner_options.progress = context.progress;
  runner_options.progress_label = "transcode";
  PipelineBuilder pipeline(context.registry, runner_options, ResolveThreads(context.threads));
  pipeline.context().output = options.output;
  const std::string writer = to_folder ? "writer/images" : "writer/video";
  pipeline.Add(writer, plugins.Get(writer));

  const RunStats stats = pipeline.Run(source);
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
    auto plugins = std::make_shared<PluginOptions>(context.registry);
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
    plugins->Bind("writer/video", video_binder);
    CliOptionBinder image_binder(sub, "", "Image folder output");
    plugins->Bind("writer/images", image_binder);
    return [options, plugins, &context] { return RunTranscode(*options, *plugins, context); };
  };
}

}  // namespace faceswap
