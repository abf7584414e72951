// Names of aligned face files (<source>_<frame>_<face>.png) and output folders.
#pragma once

#include <cstdint>
#include <string>

namespace faceswap {

// The file name (without folder) for face `face` of frame `index`.
std::string FaceFileName(const std::string& source, int64_t index, int face);

// The inverse of FaceFileName for a file name (with or without folder) ending in
// "_<frame>_<face>.png": false for any other name.
bool ParseFaceFileName(const std::string& file_name, std::string* source, int64_t* index,
                       int* face);

// Creates `folder` if needed and checks a file can be created in it; FatalError otherwise.
void EnsureWritableFolder(const std::string& folder);

}  // namespace faceswap
