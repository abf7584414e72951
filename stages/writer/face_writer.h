// writer/faces: saves each face's aligned crop as a PNG in a folder.
//
// Names: <source>_<frame>_<face>.png, e.g. franck_000123_0.png, where <source> is the
// image's file stem for image folders (Frame::name) and `source_name` (the video's stem)
// otherwise, <frame> the frame index (6 digits) and <face> the face's position in the frame.
// Each PNG also carries a "faceswap" text chunk describing the face (source, frame, face,
// landmarks, frame->crop matrix: pipeline/face_metadata.h), so tools can use a face file
// without the alignments file; names and pixels are as they would be without it.
// Each file is written under a temporary name and renamed, so a killed extract never
// leaves a truncated PNG under a final name. Faces without a crop are skipped.
#pragma once

#include <string>

#include "pipeline/stage.h"

namespace faceswap {

struct FaceWriterOptions : StageOptions {
  std::string folder;       // Output folder (created if missing). Set by the command.
  std::string source_name;  // <source> for frames without a name. Set by the command.
  int png_compression = 1;  // zlib level 0-9: 1 is ~2x faster than 3 for ~10% larger files.

  void Bind(OptionBinder& binder) override;
  std::string Check() const override;
};

// The file name (without folder) for face `face` of frame `index`.
std::string FaceFileName(const std::string& source, int64_t index, int face);

// The inverse of FaceFileName for a file name (with or without folder) ending in
// "_<frame>_<face>.png": false for any other name.
bool ParseFaceFileName(const std::string& file_name, std::string* source, int64_t* index,
                       int* face);

// Creates `folder` if needed and checks a file can be created in it; FatalError otherwise.
void EnsureWritableFolder(const std::string& folder);

StageInfo FaceWriterInfo();

}  // namespace faceswap
