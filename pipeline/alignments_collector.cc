#include "pipeline/alignments_collector.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "base/check.h"

namespace faceswap {
namespace {

AlignmentsFrame ToRecord(const Frame& frame) {
  AlignmentsFrame r;
  r.index = frame.index;
  r.pts = frame.pts;
  r.timestamp = frame.timestamp;
  r.name = frame.name;
  r.faces = frame.faces;
  for (auto& f : r.faces) {  // Pixels are not stored in the alignments file.
    f.aligned.release();
    f.mask.release();
  }
  return r;
}

}  // namespace

AlignmentsCollector::AlignmentsCollector(AlignmentsCollectorOptions options)
    : options_(std::move(options)) {
  if (!options_.resume || !std::filesystem::exists(options_.path)) return;
  Alignments old = ReadAlignments(options_.path);
  resumed_ = true;
  resumed_convention_ = old.convention;
  for (auto& s : old.sources) {
    if (s.path == options_.input || old.sources.size() == 1) {
      previous_ = std::move(s.frames);
      break;
    }
  }
  for (const auto& f : previous_) done_.insert(f.index);
  spdlog::info("resuming: {} frames already in '{}'", done_.size(), options_.path);
}

void AlignmentsCollector::Open(StreamFormat& format) {
  if (format.face_size > 0) alignments_.convention.size = format.face_size;
  if (resumed_ && !(resumed_convention_ == alignments_.convention)) {
    const std::string size = std::to_string(resumed_convention_.size);
    throw FatalError("alignments file '" + options_.path + "' was made with aligned size " +
                     size + ": pass --size " + size + " to resume it, or remove it");
  }
  source_.stream() = format.stream();
  source_.path = options_.input;
  if (format.input_frame_count >= 0) source_.frame_count = format.input_frame_count;
  source_.detector = options_.detector;
  source_.landmarker = options_.landmarker;
}

void AlignmentsCollector::Process(FrameBatch& batch) {
  for (const auto& frame : batch.frames) {
    source_.frames.push_back(ToRecord(frame));
    ++counts_.frames;
    counts_.frames_with_faces += frame.faces.empty() ? 0 : 1;
    counts_.faces += static_cast<int64_t>(frame.faces.size());
    counts_.faces_dropped += frame.faces_dropped;
  }
  const auto now = std::chrono::steady_clock::now();
  if (options_.checkpoint_seconds > 0 &&
      std::chrono::duration<double>(now - last_checkpoint_).count() >=
          options_.checkpoint_seconds) {
    Write(false);  // Lets --skip-existing resume after an interruption.
    last_checkpoint_ = now;
  }
}

void AlignmentsCollector::Write(bool complete) {
  Alignments out = alignments_;
  out.complete = complete;
  AlignmentsSource s = source_;
  s.frames.insert(s.frames.end(), previous_.begin(), previous_.end());
  std::stable_sort(s.frames.begin(), s.frames.end(),
                   [](const AlignmentsFrame& a, const AlignmentsFrame& b) {
                     return a.index < b.index;
                   });
  out.sources.push_back(std::move(s));
  WriteAlignments(options_.path, out);
}

}  // namespace faceswap
