// Reference identities for extract's --ref/--exclude-ref, `faceswap sort --by identity` and
// (later) `faceswap score`: photos, aligned face crops, videos' face folders, or folders of
// them. Each image contributes the descriptor of its largest face: dlib's HOG detector on the
// image upsampled x2 until its long side is >= 800 px (at most twice), then the 68-point
// shape predictor. An aligned crop too tight for HOG (extract's 256 px face PNGs, dlib's
// 150 px chips) is searched again with a 25% border added.
#pragma once

#include <string>
#include <vector>

#include "stages/identity/face_descriptor.h"

namespace faceswap {

struct ReferenceSet {
  std::vector<std::string> files;                // Images that gave a descriptor.
  std::vector<std::vector<float>> descriptors;   // One per file, same order.
  std::vector<float> mean;                       // MeanDescriptor(descriptors).
};

// Loads every image of `paths` (files, or folders: their images, sorted by name, not
// recursive). Throws FatalError naming the path for: a path that does not exist, an image
// named in `paths` that does not decode or in which no face is found ("... expected a photo
// with a face"), a folder without images or without any face (a folder's images without a
// face are skipped with a warning). `landmark_model` is the
// 68-point shape predictor ("" = Debian's default path).
ReferenceSet LoadReferences(const std::vector<std::string>& paths, const FaceDescriptor& net,
                            const std::string& landmark_model = "");

// Descriptor of the largest face in `bgr`, or empty when none is found.
std::vector<float> DescribeLargestFace(const cv::Mat& bgr, const FaceDescriptor& net,
                                       const std::string& landmark_model = "");

}  // namespace faceswap
