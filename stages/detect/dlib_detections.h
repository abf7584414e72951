// dlib's detections (rect_detection of the HOG detector, mmod_rect of the CNN: both carry .rect
// and .detection_confidence) as Faces in the detection image's pixels.
#pragma once

#include <vector>

#include "pipeline/frame.h"

namespace faceswap {

template <typename Detection>
std::vector<Face> FacesFromDlib(const std::vector<Detection>& found) {
  std::vector<Face> faces;
  for (const Detection& d : found) {
    Face face;
    face.box = cv::Rect2f(static_cast<float>(d.rect.left()), static_cast<float>(d.rect.top()),
                          static_cast<float>(d.rect.width()), static_cast<float>(d.rect.height()));
    face.score = static_cast<float>(d.detection_confidence);
    faces.push_back(std::move(face));
  }
  return faces;
}

}  // namespace faceswap
