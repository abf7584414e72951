// Encoding frames to a video file (H.264 in MP4/MKV by default) with the FFmpeg libraries,
// and writing frames as numbered images.
//
//   VideoWriterOptions options;             // libx264, CRF 18, preset veryfast, yuv420p
//   options.audio_source = "in.mp4";        // copy its audio (re-encoded to AAC if needed)
//   VideoWriter writer("out.mp4", format, options);   // format: size, fps, time base
//   for (...) writer.Write(frame);          // each frame keeps its own pts (VFR preserved)
//   writer.Finish();                        // flush, trailer, rename into place
//
// The file is written as "<dir>/.<name>.partial-XXXXXX.<ext>" and renamed to its final
// name by Finish(); a writer destroyed without Finish() (error, interruption) removes it,
// so no file ever appears under the final name unless it is complete.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/frame.h"
#include "pipeline/stage.h"

namespace faceswap {

struct VideoWriterOptions {
  // Video encoder (an FFmpeg encoder name).
  std::string codec = "libx264";
  // Constant rate factor, 0 (lossless) to 51 (worst); 18 is visually near-lossless.
  int crf = 18;
  // x264/x265 speed preset; veryfast is ~2x faster than medium at CRF 18 for ~10% more bits.
  std::string preset = "veryfast";
  // Output pixel format; yuv420p plays everywhere (needs even width and height).
  std::string pix_fmt = "yuv420p";
  // Encoder threads; 0 = the encoder's choice (all cores).
  int threads = 0;
  // Copy the audio stream of this file ("" = no audio); stream copy when the container
  // accepts the codec, else re-encoded to AAC.
  std::string audio_source;
  // Container metadata tags, e.g. {"comment", "contains synthetic faces"}.
  std::map<std::string, std::string> metadata;

  std::string Check() const;
};

class VideoWriter {
 public:
  // `format`: width, height, fps and the time base of Frame::pts. The container comes from
  // the extension of `path` (VideoExtensions()). Throws FatalError for an unknown extension,
  // a missing or unwritable folder, bad options, or an unreadable audio source.
  VideoWriter(const std::string& path, const StreamFormat& format, VideoWriterOptions options = {});
  ~VideoWriter();
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  // Encodes one BGR frame (CV_8UC3, the size given at construction) at its own pts;
  // output timestamps start at 0 at the first frame written.
  void Write(const Frame& frame);
  // Flushes the encoders, writes the trailer and renames the file into place. Throws
  // FatalError when nothing was written.
  void Finish();

  int64_t frames_written() const;
  const std::string& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Extensions VideoWriter accepts (lower case, with the dot): .mp4 .m4v .mov .mkv
const std::vector<std::string>& VideoExtensions();
// True when `path` ends with one of VideoExtensions() (any case).
bool HasVideoExtension(const std::string& path);

}  // namespace faceswap
