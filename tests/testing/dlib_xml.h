// Reads dlib imglab XML files (e.g. testing_with_face_landmarks.xml): real photos with boxes
// and 68 landmarks produced by dlib's shape_predictor_68_face_landmarks.dat.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace faceswap::testing {

struct LabelledFace {
  cv::Rect box;
  std::vector<cv::Point2f> landmarks;  // 68 points.
};
struct LabelledImage {
  std::string path;  // Absolute path of the image.
  std::vector<LabelledFace> faces;
};

// Parses `xml_path`; image paths are resolved against its folder. Fails the test if unreadable.
std::vector<LabelledImage> ReadDlibXml(const std::string& xml_path);

}  // namespace faceswap::testing
