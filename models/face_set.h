// A set of aligned face images of one identity, held in memory as uint8 (torch-free header so
// tools/ can fill it from image files without compiling LibTorch).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace faceswap {

struct FaceSet {
  std::string name;             // Identity name ("A", "franck", ...).
  int count = 0;                // Number of faces.
  int height = 0, width = 0;    // Pixel size of every face (all equal).
  std::vector<uint8_t> pixels;  // count x height x width x 3, interleaved, channel order as loaded.
  // Per-face region maps from the faces' landmarks, count x 2 x height x width (plane 0: face
  // hull, plane 1: eyes and mouth; 255 inside, 0 outside), or empty when the faces came
  // without landmarks (training then uses a fixed template of extract's crop layout).
  std::vector<uint8_t> regions;
  // Per-face 68 landmarks, count x 68 x 2 (x, y) in the stored face's normalised coordinates
  // ([-1, 1] across the image, pixel centres at (2 px + 1) / side - 1, as grid_sample's
  // align_corners = false), or empty. Set together with `regions` (warp-to-landmarks uses them).
  std::vector<float> landmarks;

  // "" when consistent, else a message naming the set and the problem.
  std::string Check() const;
};

// Packed face-set file: one LibTorch archive holding a uint8 NHWC tensor and, when the set has
// them, its uint8 N x 2 x H x W regions and float N x 68 x 2 landmarks (no image codec needed to read it back, e.g. on a GPU
// machine with LibTorch only).
void SaveFaceSet(const FaceSet& set, const std::string& path);
// Throws FatalError naming the file when it is missing or not a packed face set.
FaceSet LoadFaceSet(const std::string& path, const std::string& name);

}  // namespace faceswap
