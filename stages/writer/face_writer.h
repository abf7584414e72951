// writer/faces: saves each face's aligned crop as a PNG in a folder.
//
// The folder is StreamFormat::output (created if missing).
// Names: <source>_<frame>_<face>.png, e.g. franck_000123_0.png, where <source> is the
// image's file stem for image folders (Frame::name) and the video's stem otherwise
// (StreamFormat::SourceName), <frame> the frame index (6 digits) and <face> the face's
// position in the frame.
// Each PNG also carries a "faceswap" text chunk describing the face (source, frame, face,
// landmarks, frame->crop matrix: pipeline/face_metadata.h), so tools can use a face file
// without the alignments file; names and pixels are as they would be without it.
// Each file is written under a temporary name and renamed, so a killed extract never
// leaves a truncated PNG under a final name. Faces without a crop are skipped.
#pragma once

#include <string>

#include "pipeline/face_files.h"
#include "pipeline/stage.h"

namespace faceswap {

struct FaceWriterOptions : StageOptions {
  int png_compression = 1;  // zlib level 0-9: 1 is ~2x faster than 3 for ~10% larger files.

  void Bind(OptionBinder& binder) override;
  std::string Check() const override;
};

StageInfo FaceWriterInfo();

}  // namespace faceswap
