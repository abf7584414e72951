// Loading aligned faces for training: a folder of face images (PNG/JPEG, as `extract` writes
// them) or a packed face-set file (`faceswap pack-faces`), into a uint8 FaceSet in memory.
#pragma once

#include <string>
#include <vector>

#include "models/face_set.h"

namespace faceswap {

// `path` is a folder of images (sorted by name; all resized to the first image's size when
// they differ) or a packed face-set file. Channel order BGR (as OpenCV loads). Throws
// FatalError naming the path when it holds fewer than 2 readable faces or a non-square one,
// and Interruption (tools/interrupt.h) when Ctrl-C came while the images were being read.
// `files`, when given, receives each loaded face's file (for a packed set: "PATH#INDEX").
FaceSet LoadFaces(const std::string& path, const std::string& name,
                  std::vector<std::string>* files = nullptr);

}  // namespace faceswap
