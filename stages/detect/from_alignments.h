// detect/alignments: faces (box, score, 68 landmarks) read from an alignments file written by
// `faceswap extract`, instead of detecting them again. Open() checks that the file was made
// for this video (frame size and frame count) and fails naming both otherwise.
#pragma once

#include "pipeline/stage.h"

namespace faceswap {

struct FromAlignmentsOptions : StageOptions {
  std::string path;  // Alignments file (JSON or JSON.gz); convert's -p/--alignments.
  void Bind(OptionBinder& binder) override;
  std::string Check() const override;
};

StageInfo FromAlignmentsInfo();

}  // namespace faceswap
