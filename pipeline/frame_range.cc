#include "pipeline/frame_range.h"

#include <algorithm>

#include "base/check.h"

namespace faceswap {

std::string FrameRangeOptions::Check() const {
  return OptionCheck()
      .Min("start", start, int64_t{0})
      .That(end < 0 || end > start, "invalid value " + std::to_string(end) +
                                        " for option 'end': expected -1 (to the end) or more "
                                        "than --start (" + std::to_string(start) + ")")
      .Range("every", every, 1, 1000000)
      .Error();
}

FrameRange::FrameRange(std::unique_ptr<FrameSource> inner, FrameRangeOptions options)
    : inner_(std::move(inner)), options_(std::move(options)) {
  ThrowIfInvalid(options_.Check());
}

bool FrameRange::InRange(int64_t index) const {
  return index >= options_.start && (options_.end < 0 || index < options_.end) &&
         (index - options_.start) % options_.every == 0;
}

StreamFormat FrameRange::Open() {
  input_ = inner_->Open();
  StreamFormat out = input_;
  if (out.input_frame_count < 0) out.input_frame_count = input_.frame_count;
  if (options_.passthrough) return out;  // Every frame is delivered.
  int64_t stop = options_.end;
  if (input_.frame_count >= 0) stop = stop >= 0 ? std::min(stop, input_.frame_count) : input_.frame_count;
  if (stop < 0) return out;  // Unknown length.
  const int64_t span = std::max<int64_t>(0, stop - options_.start);
  int64_t count = (span + options_.every - 1) / options_.every;
  for (int64_t i : options_.exclude) count -= (i < stop && InRange(i)) ? 1 : 0;
  out.frame_count = std::max<int64_t>(0, count);
  return out;
}

bool FrameRange::Read(FrameBatch& batch, int max_frames) {
  if (!started_) {
    started_ = true;
    // Frames before the range are not converted at all (Skip decodes without colour
    // conversion); a passthrough range must deliver them.
    if (!options_.passthrough && options_.start > 0) next_ = inner_->Skip(options_.start);
  }
  const size_t first = batch.size();
  while (static_cast<int>(batch.size() - first) < max_frames && !finished_) {
    // Never more than the batch still needs (every frame read may be kept), nor, when
    // dropping, past `end` (no frame there is decoded for nothing).
    int64_t want = max_frames - static_cast<int64_t>(batch.size() - first);
    if (!options_.passthrough && options_.end >= 0) want = std::min(want, options_.end - next_);
    if (want <= 0) {
      finished_ = true;
      break;
    }
    FrameBatch more;
    if (!inner_->Read(more, static_cast<int>(want)) || more.empty()) {
      finished_ = true;
      break;
    }
    next_ = more.frames.back().index + 1;  // Indices, not counts: lost frames leave gaps.
    for (Frame& frame : more.frames) {
      const bool in = InRange(frame.index);
      if (options_.passthrough) {
        frame.passthrough = !in;
      } else if (options_.end >= 0 && frame.index >= options_.end) {
        finished_ = true;  // Indices only grow: nothing more to deliver.
        break;
      } else if (!in) {
        continue;
      } else if (options_.exclude.count(frame.index)) {
        ++excluded_;
        continue;
      }
      batch.frames.push_back(std::move(frame));
    }
  }
  return batch.size() > first;
}

}  // namespace faceswap
