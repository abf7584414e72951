// The sink that turns extract's processed frames into the alignments file: records every
// frame in order, writes a partial file every few seconds (so --skip-existing can resume an
// interrupted run) and the complete one at the end. Resuming keeps the frames of an earlier
// file and lists their indices in done(), for the source to exclude.
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "pipeline/alignments_file.h"
#include "pipeline/stage.h"

namespace faceswap {

struct AlignmentsCollectorOptions {
  std::string path;        // The alignments file written.
  std::string input;       // Source path recorded in it (as given to extract).
  std::string detector;    // Plugin names recorded with the source.
  std::string landmarker;
  double checkpoint_seconds = 30.0;  // Partial file this often (0 = never).
  bool resume = false;     // Keep the frames of an existing file at `path`.
};

// Counts over the frames of this run (resumed frames excluded).
struct CollectedCounts {
  int64_t frames = 0;
  int64_t frames_with_faces = 0;
  int64_t faces = 0;
  int64_t faces_dropped = 0;  // Frame::faces_dropped: removed by a filter stage.
};

class AlignmentsCollector : public Stage {
 public:
  // Reads the existing file when resuming (FatalError when it is unreadable).
  explicit AlignmentsCollector(AlignmentsCollectorOptions options);
  // Frame indices already in the resumed file.
  const std::set<int64_t>& done() const { return done_; }
  // Records the stream and the aligned size (StreamFormat::face_size); FatalError when a
  // resumed file was made with another size.
  void Open(StreamFormat& format) override;
  void Process(FrameBatch& batch) override;
  // Writes the file: complete, or partial (frames so far; --skip-existing resumes it).
  void Write(bool complete);
  const CollectedCounts& counts() const { return counts_; }
  // Frames collected in this run.
  int64_t collected() const { return static_cast<int64_t>(source_.frames.size()); }

 private:
  AlignmentsCollectorOptions options_;
  Alignments alignments_;  // Convention (and, when resuming, the file read).
  bool resumed_ = false;
  AlignmentConvention resumed_convention_;
  std::set<int64_t> done_;
  std::vector<AlignmentsFrame> previous_;
  AlignmentsSource source_;
  CollectedCounts counts_;
  std::chrono::steady_clock::time_point last_checkpoint_ = std::chrono::steady_clock::now();
};

}  // namespace faceswap
