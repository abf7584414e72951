#include "tools/face_regions.h"

#include <cstring>
#include <filesystem>
#include <map>

#include <opencv2/imgproc.hpp>

#include "pipeline/alignments_file.h"
#include "pipeline/face_files.h"
#include "stages/mask/landmark_mask.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

// Face file name (as the face writer names it) -> landmarks in aligned-crop pixels.
std::map<std::string, std::vector<cv::Point2f>> AlignedLandmarks(const Alignments& alignments) {
  std::map<std::string, std::vector<cv::Point2f>> out;
  for (const auto& source : alignments.sources) {
    const fs::path in(source.path);
    const std::string stem = (in.has_filename() ? in : in.parent_path()).stem().string();
    for (const auto& frame : source.frames) {
      for (size_t i = 0; i < frame.faces.size(); ++i) {
        const Face& face = frame.faces[i];
        if (face.landmarks.size() != 68) continue;
        out[FaceFileName(frame.name.empty() ? stem : frame.name, frame.index,
                         static_cast<int>(i))] =
            TransformPoints(face.landmarks, face.frame_to_aligned);
      }
    }
  }
  return out;
}

// Plane 1: eyes (36-41, 42-47) and mouth (48-59) hulls, grown by ~3 % of the crop so the
// weight covers lids and lips, not just the landmark polygon.
cv::Mat EyesAndMouth(const std::vector<cv::Point2f>& p, cv::Size size) {
  cv::Mat map = cv::Mat::zeros(size, CV_8UC1);
  for (auto [first, last] : {std::pair{36, 41}, std::pair{42, 47}, std::pair{48, 59}}) {
    std::vector<cv::Point> part, hull;
    for (int i = first; i <= last; ++i) part.emplace_back(cvRound(p[i].x), cvRound(p[i].y));
    cv::convexHull(part, hull);
    cv::fillConvexPoly(map, hull, 255, cv::LINE_AA);
  }
  const int grow = std::max(1, cvRound(0.03 * size.width));
  cv::dilate(map, map,
             cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * grow + 1, 2 * grow + 1)));
  return map;
}

}  // namespace

bool AddLandmarkRegions(const std::string& folder, const std::vector<std::string>& files,
                        FaceSet& set) {
  std::string path;
  for (const char* name : {"alignments.json", "alignments.json.gz"}) {
    if (fs::exists(fs::path(folder) / name)) path = (fs::path(folder) / name).string();
  }
  if (path.empty() || files.size() != static_cast<size_t>(set.count)) return false;
  const Alignments alignments = ReadAlignments(path);
  const auto landmarks = AlignedLandmarks(alignments);
  const cv::Size size(set.width, set.height);
  // Faces may have been resized to the set's size; landmarks are in the convention's pixels.
  const double scale = static_cast<double>(set.width) / alignments.convention.size;
  const size_t plane = static_cast<size_t>(set.width) * set.height;
  std::vector<uint8_t> regions(2 * plane * set.count);
  std::vector<float> normalised;  // FaceSet::landmarks
  normalised.reserve(static_cast<size_t>(set.count) * 68 * 2);
  for (size_t k = 0; k < files.size(); ++k) {
    auto it = landmarks.find(fs::path(files[k]).filename().string());
    if (it == landmarks.end()) return false;
    std::vector<cv::Point2f> points = it->second;
    for (auto& q : points) {
      q *= scale;
      normalised.push_back(static_cast<float>((2 * q.x + 1) / set.width - 1));
      normalised.push_back(static_cast<float>((2 * q.y + 1) / set.height - 1));
    }
    cv::Mat face;
    LandmarkMask(MaskShape::kHull, points, size).convertTo(face, CV_8UC1, 255);
    const cv::Mat features = EyesAndMouth(points, size);
    uint8_t* out = regions.data() + 2 * plane * k;
    std::memcpy(out, face.data, plane);
    std::memcpy(out + plane, features.data, plane);
  }
  set.regions = std::move(regions);
  set.landmarks = std::move(normalised);
  return true;
}

}  // namespace faceswap
