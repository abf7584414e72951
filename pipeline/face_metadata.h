// What a face PNG written by extract says about itself: a PNG text chunk (pipeline/png_text.h),
// keyword "faceswap", holding compact JSON:
//
//   {"source":"franck","frame":12,"face":0,"landmarks":[[x,y],...68],
//    "frame_to_aligned":[a,b,c,d,e,f],"size":256}
//
//   source             the video's file stem, or the image folder's stem (as in file names)
//   frame, face        frame index in the source, face position in the frame at extract time
//   name               the frame's file stem for image folders (absent for video)
//   landmarks          68 points (dlib/iBUG order) in frame pixels, 0.01 px resolution
//   frame_to_aligned   2x3 similarity, row-major: frame px -> crop px
//   size               the crop's edge in pixels
//   identity_distance  distance to extract's --ref identity (absent when not computed)
//
// Tools (`faceswap sort`, `faceswap alignments remove-faces`, reference photos) read it so they
// need neither the alignments file nor a landmark model. Faces from elsewhere have no chunk:
// readers then fall back to the file name (stages/writer/face_writer.h) or to the pixels.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace faceswap {

constexpr const char* kFacePngTextKey = "faceswap";

struct FaceImageMetadata {
  std::string source;                  // Source stem, as in the face file name.
  int64_t frame = -1;                  // Frame index in the source.
  int face = -1;                       // Face position in the frame when written.
  std::string name;                    // Frame file stem (image folders); "" for video.
  std::vector<cv::Point2f> landmarks;  // 68 points in frame pixels; empty if not stored.
  cv::Matx23d frame_to_aligned = cv::Matx23d::zeros();
  int size = 0;                     // Crop edge in pixels (0 if not stored).
  double identity_distance = -1.0;  // < 0: not stored.

  // The landmarks in crop pixels (frame_to_aligned applied); empty when none are stored.
  std::vector<cv::Point2f> CropLandmarks() const;
};

// The chunk's JSON text (compact, landmarks rounded to 0.01 px).
std::string FaceMetadataToJson(const FaceImageMetadata& metadata);

// Parses the JSON text. Returns false with `error` set (one line) for malformed JSON or a field
// of the wrong type or range; `source`, `frame` and `face` are required, the rest optional.
bool ParseFaceMetadata(const std::string& json, FaceImageMetadata* metadata, std::string* error);

// Reads the chunk from PNG bytes or a file. Returns false when there is none or it is invalid:
// `error` is "" for a valid PNG without the chunk (a face from elsewhere), else says why.
bool ReadFaceMetadata(const std::vector<uint8_t>& png, FaceImageMetadata* metadata,
                      std::string* error);
bool ReadFaceMetadataFile(const std::string& path, FaceImageMetadata* metadata, std::string* error);

}  // namespace faceswap
