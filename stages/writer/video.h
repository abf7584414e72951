// writer/video: encodes the frames it receives into a video file (pipeline/video_writer.h),
// copying the source's audio. A sink: frames pass through unchanged. Frames the reader lost
// to decode errors (gaps in Frame::index) are filled with the previous frame, so the output
// has the input's frame count and timing.
//
// Open() creates the file under a temporary name (so a bad path fails before any frame is
// decoded); Close() finishes it and renames it into place. Destroyed without Close() (a
// failed run), it leaves no file behind.
#pragma once

#include <string>

#include "pipeline/stage.h"
#include "pipeline/video_writer.h"

namespace faceswap {

struct VideoWriterStageOptions : StageOptions {
  // Output video path (.mp4/.m4v/.mov/.mkv); "" = StreamFormat::output (the command's -o).
  std::string output;
  // Encoder settings (codec, crf, preset, pix_fmt, threads, metadata).
  VideoWriterOptions video;
  // Copy the audio of the source file (StreamFormat::path) when it has any.
  bool audio = true;

  void Bind(OptionBinder& binder) override;
  std::string Check() const override;
};

StageInfo VideoWriterStageInfo();

}  // namespace faceswap
