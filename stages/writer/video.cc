#include "stages/writer/video.h"

#include <filesystem>
#include <memory>

#include "base/check.h"

namespace faceswap {
namespace {

class VideoWriterStage : public Stage {
 public:
  explicit VideoWriterStage(const VideoWriterStageOptions& options) : options_(options) {}

  void Open(StreamFormat& format) override {
    VideoWriterOptions video = options_.video;
    std::error_code ec;
    if (options_.audio && std::filesystem::is_regular_file(format.path, ec)) {
      video.audio_source = format.path;
    }
    for (const auto& [key, value] : format.metadata) video.metadata[key] = value;
    const std::string& output = options_.output.empty() ? format.output : options_.output;
    if (output.empty()) throw FatalError("writer/video: no output file given");
    writer_ = std::make_unique<VideoWriter>(output, format, video);
  }

  // A gap in frame indices means frames the reader lost to decode errors (it never reuses
  // their indices): each one is filled with the previous frame again, at the lost frame's
  // time, so the output keeps the input's frame count and timing (and stays in sync with
  // the audio) instead of showing the previous frame longer with one frame fewer.
  void Process(FrameBatch& batch) override {
    for (const Frame& frame : batch.frames) {
      if (!last_.image.empty() && frame.index > last_.index + 1 && frame.pts > last_.pts) {
        const int64_t gap = frame.index - last_.index;
        const Frame previous = last_;
        for (int64_t k = 1; k < gap; ++k) {
          last_.index = previous.index + k;
          last_.pts = previous.pts + (frame.pts - previous.pts) * k / gap;
          last_.timestamp = previous.timestamp + (frame.timestamp - previous.timestamp) * k / gap;
          writer_->Write(last_);
        }
      }
      writer_->Write(frame);
      last_.index = frame.index;
      last_.pts = frame.pts;
      last_.timestamp = frame.timestamp;
      last_.image = frame.image;  // Shared, not copied.
      last_.source_yuv = frame.source_yuv;
      last_.changed = frame.changed;
    }
  }

  void Close(FrameBatch& tail) override {
    (void)tail;
    writer_->Finish();
  }

 private:
  VideoWriterStageOptions options_;
  std::unique_ptr<VideoWriter> writer_;
  Frame last_;  // The last frame written (timing and pixels, no faces).
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
  return video.Check();
}

StageInfo VideoWriterStageInfo() {
  return MakeStageInfo<VideoWriterStage, VideoWriterStageOptions>(
      "writer/video", "Encode frames to a video file (H.264 MP4/MKV) with the source's audio",
      /*parallel=*/false);
}

}  // namespace faceswap
