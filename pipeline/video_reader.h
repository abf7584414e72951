// Decoding video files with the FFmpeg libraries, and reading image folders, as FrameSources.
//
//   VideoReader reader("clip.mp4");            // throws FatalError naming the file and problem
//   Frame frame;
//   while (reader.ReadFrame(frame)) { ... }    // BGR frames with pts/timestamp, in order
//
// Frames come out in presentation order with index 0, 1, 2, ... and their own timestamps
// (variable frame rate preserved). Rotation metadata is applied (frames come out upright).
//
// Damaged data in the middle of a file does not stop reading: a frame that fails to decode
// is skipped with a warning naming it ("frame 120 (5.0 s): decode error, skipped") and
// counted in lost_frames(); its index is not reused, so the frames that do decode keep the
// index and timestamp they have in an undamaged copy. A file whose data stops early (cut
// off, every read failing up to its end) and a file that yields no frame at all stay
// FatalErrors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/frame.h"
#include "pipeline/runner.h"

namespace faceswap {

// VideoStream: size after rotation; frame_count from the container, else estimated from the
// duration, -1 if unknown; time base: the video stream's (Frame::pts unit).
struct VideoInfo : VideoStream {
  double duration = 0.0;  // Seconds.
  int rotation = 0;       // Degrees clockwise applied to decoded frames (0/90/180/270).
  bool has_audio = false;
  std::string codec;  // Video codec name.
};

struct VideoReaderOptions {
  int threads = 0;  // Decoder threads; 0 = FFmpeg's choice (all cores).
};

class VideoReader : public SingleFrameSource {
 public:
  explicit VideoReader(const std::string& path, VideoReaderOptions options = {});
  ~VideoReader() override;
  VideoReader(const VideoReader&) = delete;
  VideoReader& operator=(const VideoReader&) = delete;

  const VideoInfo& info() const;
  // Next frame (BGR CV_8UC3, index/pts/timestamp set); false at end of stream.
  bool ReadFrame(Frame& frame) override;
  // Decodes and drops the frames of the next `count` indices (no colour conversion; lost
  // frames count as indices); returns how many were dropped (fewer at end of stream).
  int64_t Skip(int64_t count) override;
  // Frames lost to decode errors so far (skipped; their indices are gaps).
  int64_t lost_frames() const override;

  // FrameSource
  StreamFormat Open() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads *.png/*.jpg/*.jpeg (any case) of a folder in name order as frames (index = position,
// Frame::name = file stem, timestamp = index / fps with fps = 25 unless given). A file that
// does not decode (damaged, empty) is skipped with a warning naming it and counted in
// lost_frames() (its index stays a gap); a folder where none decodes is a FatalError.
class ImageFolderReader : public SingleFrameSource {
 public:
  explicit ImageFolderReader(const std::string& folder, double fps = 25.0);
  const std::vector<std::string>& files() const { return files_; }
  bool ReadFrame(Frame& frame) override;
  // Drops up to `count` frames without reading them; returns how many were dropped.
  int64_t Skip(int64_t count) override;
  StreamFormat Open() override;
  int64_t lost_frames() const override { return lost_; }

 private:
  std::string folder_;
  double fps_;
  std::vector<std::string> files_;
  size_t next_ = 0;
  int64_t lost_ = 0;
};

// A VideoReader for a file, an ImageFolderReader for a folder; FatalError if neither.
// `options` apply to video files, `image_fps` to image folders.
std::unique_ptr<FrameSource> OpenFrameSource(const std::string& path,
                                             const VideoReaderOptions& options = {},
                                             double image_fps = 25.0);

}  // namespace faceswap
