// Per-face training region maps (face hull; eyes and mouth) drawn from the landmarks that
// `faceswap extract` stored next to the face images, so the face- and eye/mouth-weighted
// losses and the mask branch's target follow each face instead of a fixed template.
#pragma once

#include <string>
#include <vector>

#include "models/face_set.h"

namespace faceswap {

// Looks for alignments.json(.gz) in `folder` and, when every image in `files` (the ones
// loaded into `set`, in order) has landmarks there, fills set.regions and set.landmarks and
// returns true. Returns false (set unchanged) when there is no alignments file or some face
// is not in it; throws FatalError when the alignments file is unreadable.
bool AddLandmarkRegions(const std::string& folder, const std::vector<std::string>& files,
                        FaceSet& set);

}  // namespace faceswap
