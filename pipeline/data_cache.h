// Where optional downloaded models live: the data cache that samples/fetch-models.sh fills,
// ${FACESWAP_DATA_DIR:-$HOME/.cache/faceswap}/dlib-models/. Nothing is downloaded at run time:
// a missing file is a clear error naming the script that fetches it.
#pragma once

#include <string>

namespace faceswap {

// The data cache folder ($FACESWAP_DATA_DIR, else $HOME/.cache/faceswap).
std::string DataCacheDir();
// Default path of one of dlib's optional models, e.g.
// DlibModelPath("mmod_human_face_detector.dat") -> <cache>/dlib-models/mmod_human_face_detector.dat.
std::string DlibModelPath(const std::string& file);
// Throws FatalError("<what> '<path>' not found: run samples/fetch-models.sh ...") unless
// `path` is a regular file.
void RequireModelFile(const std::string& path, const std::string& what);

}  // namespace faceswap
