#include "stages/writer/video.h"

#include <filesystem>
#include <memory>

#include "pipeline/check.h"

namespace faceswap {
namespace {

class VideoWriterStage : public Stage {
 public:
  explicit VideoWriterStage(const VideoWriterStageOptions& options) : options_(options) {}

  void Open(StreamFormat& format) override {
    VideoWriterOptions video = options_.video;
    std::error_code ec;
    if (options_.audio && std::filesystem::is_regular_file(format.source_path, ec)) {
      video.audio_source = format.source_path;
    }
    writer_ = std::make_unique<VideoWriter>(options_.output, format, video);
  }

  void Process(FrameBatch& batch) override {
    for (const Frame& frame : batch.frames) writer_->Write(frame);
  }

  void Close(FrameBatch& tail) override {
    (void)tail;
    writer_->Finish();
  }

 private:
  VideoWriterStageOptions options_;
  std::unique_ptr<VideoWriter> writer_;
};

}  // namespace

void VideoWriterStageOptions::Bind(OptionBinder& binder) {
  binder.Add("codec", &video.codec, "Video encoder (FFmpeg name): libx264, libx265, ...");
  binder.Add("crf", &video.crf, "Constant rate factor: 0 lossless .. 51 worst; 18 looks lossless");
  binder.Add("preset", &video.preset,
             "x264/x265 preset: ultrafast .. placebo (slower = smaller file)");
  binder.Add("pix-fmt", &video.pix_fmt, "Output pixel format (yuv420p plays everywhere)");
  binder.Add("audio", &audio,
             "Copy the source's audio (re-encoded to AAC if the container "
             "needs it); --no-audio to drop it");
}

std::string VideoWriterStageOptions::Check() const {
  if (output.empty()) return "option 'output' is empty: expected a video file path";
  return video.Check();
}

StageInfo VideoWriterStageInfo() {
  return MakeStageInfo<VideoWriterStage, VideoWriterStageOptions>(
      "writer/video", "Encode frames to a video file (H.264 MP4/MKV) with the source's audio",
      /*parallel=*/false);
}

}  // namespace faceswap
