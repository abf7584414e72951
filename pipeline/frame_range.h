// The one frame-range source: frames [start, end), every Nth, of another source. Frames
// outside the range are dropped (extract, transcode: they are not processed at all) or
// passed through marked Frame::passthrough (convert: copied to the output untouched).
//
//   FrameRangeOptions range;  range.start = 100;  range.end = 200;
//   FrameRange frames(OpenFrameSource(path), range);
//   runner.Run(frames);
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "pipeline/runner.h"

namespace faceswap {

struct FrameRangeOptions {
  int64_t start = 0;          // First frame index in the range.
  int64_t end = -1;           // One past the last index; -1 = to the end.
  int every = 1;              // Every Nth frame from `start`.
  bool passthrough = false;   // Keep frames outside the range, marked passthrough.
  std::set<int64_t> exclude;  // Indices dropped even inside the range (already done).
  std::string Check() const;  // Names --start/--end/--every and the bad value.
};

class FrameRange : public FrameSource {
 public:
  FrameRange(std::unique_ptr<FrameSource> inner, FrameRangeOptions options);
  // The inner format; frame_count counts the frames this source will deliver.
  StreamFormat Open() override;
  bool Read(FrameBatch& batch, int max_frames) override;
  int64_t lost_frames() const override { return inner_->lost_frames(); }
  // Frames dropped because they were in `exclude`.
  int64_t excluded() const { return excluded_; }
  // The inner source's format (frame_count of the whole input).
  const StreamFormat& input_format() const { return input_; }

 private:
  bool InRange(int64_t index) const;
  std::unique_ptr<FrameSource> inner_;
  FrameRangeOptions options_;
  StreamFormat input_;
  bool started_ = false, finished_ = false;
  int64_t next_ = 0;  // Index after the last frame read from `inner_`.
  int64_t excluded_ = 0;
};

}  // namespace faceswap
