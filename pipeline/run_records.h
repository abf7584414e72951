// Research sinks of a convert run, fed in frame order after the writer:
//   ChangeMaskSink  one PNG per frame, 255 where a stage changed the image (--mask-out)
//   FrameRecords    per-frame faces, matrices and changed-pixel counts (--manifest), plus
//                   the swap counts every run reports
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "pipeline/image_folder_writer.h"
#include "pipeline/stage.h"

namespace faceswap {

class ChangeMaskSink : public Stage {
 public:
  explicit ChangeMaskSink(std::string folder) : folder_(std::move(folder)) {}
  void Open(StreamFormat& format) override;  // Creates the folder (FatalError if it cannot).
  void Process(FrameBatch& batch) override;

 private:
  std::string folder_;
  std::unique_ptr<ImageFolderWriter> writer_;
};

struct SwapCounts {
  int64_t frames = 0;
  int64_t frames_swapped = 0;  // Frames in which at least one face was replaced.
  int64_t faces = 0;           // Faces replaced.
};

class FrameRecords : public Stage {
 public:
  // keep_records: store each frame's record (for a manifest); counts are always kept.
  explicit FrameRecords(bool keep_records) : keep_(keep_records) {}
  void Process(FrameBatch& batch) override;
  const SwapCounts& counts() const { return counts_; }
  // The records, a JSON array in frame order (moved out).
  nlohmann::json TakeRecords() { return std::move(records_); }

 private:
  bool keep_;
  SwapCounts counts_;
  nlohmann::json records_ = nlohmann::json::array();
};

}  // namespace faceswap
