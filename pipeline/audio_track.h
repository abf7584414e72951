// Carries the audio of a source file into an output being muxed (internal to pipeline/).
// Stream copy when the output container accepts the codec; otherwise decoded, resampled
// with libswresample and re-encoded to AAC.
//
// Times are "output seconds": source time - the source's video start - offset, where
// offset is the timestamp of the first video frame written (so a frame range keeps the
// matching stretch of audio).
#pragma once

#include <memory>
#include <string>

#include "pipeline/ffmpeg_util.h"

namespace faceswap {

class AudioTrack {
 public:
  // Adds the audio stream to `out` (call before avformat_write_header). Returns null when
  // `source` has no audio stream. Throws FatalError naming `source` on failure.
  static std::unique_ptr<AudioTrack> Create(const std::string& source, AVFormatContext* out);
  ~AudioTrack();

  void SetOffset(double seconds);
  // Muxes the audio that starts before `seconds` (output time).
  void WriteUntil(double seconds);
  // Muxes the audio up to `end` (output time, cut there) and flushes the encoder.
  void Finish(double end);
  bool reencoding() const;

 private:
  struct Impl;
  explicit AudioTrack(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace faceswap
