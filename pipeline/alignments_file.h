// The alignments file: what extract found in each frame (boxes, 68 landmarks, the matrix
// to aligned space), read back by convert and by `faceswap alignments`.
//
// JSON, optionally gzip-compressed (chosen by a ".gz" file name; readers detect gzip by
// content). The schema is documented in pipeline/ALIGNMENTS.md. Versioned "MAJOR.MINOR":
// readers reject another major version with a message saying which versions they read,
// and accept any minor version of their major (unknown fields are ignored).
//
//   Alignments a;
//   a.sources.push_back(...);
//   WriteAlignments("out/alignments.json.gz", a);   // atomic: temp name, fsync, rename
//   Alignments b = ReadAlignments("out/alignments.json.gz");  // FatalError if unreadable
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/alignment.h"
#include "pipeline/frame.h"

namespace faceswap {

constexpr int kAlignmentsVersionMajor = 1;
constexpr int kAlignmentsVersionMinor = 1;  // 1.1: faces' "identity_distance".

// One processed frame. Faces keep box, score, landmarks, frame_to_aligned,
// identity and identity_distance; their pixel data (aligned crop, mask) is not stored.
struct AlignmentsFrame {
  int64_t index = 0;       // 0-based frame position in the source.
  int64_t pts = 0;         // Timestamp in the source's time base.
  double timestamp = 0.0;  // Seconds.
  std::string name;        // File stem for image folders; empty for video.
  std::vector<Face> faces;
};

// VideoStream::path: as given to extract; frame_count: frames in the source (-1 if unknown),
// not frames processed; time base: the unit of AlignmentsFrame::pts.
struct AlignmentsSource : VideoStream {
  std::string detector;  // Plugin names that produced the data, e.g. "detect/dlib-hog".
  std::string landmarker;
  std::vector<AlignmentsFrame> frames;  // Processed frames in index order.
};

struct Alignments {
  AlignmentConvention convention;  // Aligned-crop layout the matrices map to.
  // False while extract is still running (periodic checkpoints); --skip-existing resumes.
  bool complete = true;
  std::vector<AlignmentsSource> sources;
};

// Writes `alignments` to `path` atomically (temp file in the same folder, fsync, rename);
// gzip when `path` ends in ".gz". Throws FatalError naming the path when it cannot.
void WriteAlignments(const std::string& path, const Alignments& alignments);

// Reads a file written by WriteAlignments (plain or gzip). Throws FatalError with a one-line
// message for a missing, truncated or malformed file or an unsupported major version.
Alignments ReadAlignments(const std::string& path);

// The JSON text WriteAlignments stores (one frame per line; exposed for tests and tools).
std::string AlignmentsToJson(const Alignments& alignments);
// Parses JSON text; `what` names the origin in error messages.
Alignments AlignmentsFromJson(const std::string& text, const std::string& what);

}  // namespace faceswap
