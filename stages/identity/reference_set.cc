// Compiled with -O2 (and AVX2/FMA where available) even in Debug: dlib's HOG detector
// templates are instantiated here too (see stages/CMakeLists.txt).
#include "stages/identity/reference_set.h"

#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms/image_pyramid.h>
#include <dlib/opencv/cv_image.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "base/check.h"
#include "pipeline/option_values.h"
#include "stages/align/dlib_landmarks68.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

constexpr long kUpsampleUntil = 800;   // Upsample (x2) until the long side is at least this...
constexpr int kMaxUpsamples = 2;       // ...but at most this many times.
constexpr double kPadFraction = 0.25;  // Border added around tight crops when nothing is found.

// Built once per process (~0.25 s); callers copy it (detection keeps scratch state).
const dlib::frontal_face_detector& SharedHogDetector() {
  static const dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
  return detector;
}

bool IsImageFile(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

// Largest frontal face in `gray` (its pixels), after upsampling small images.
std::optional<cv::Rect2f> LargestHogFace(const cv::Mat& gray) {
  dlib::frontal_face_detector detector = SharedHogDetector();
  dlib::array2d<unsigned char> image;
  dlib::assign_image(image, dlib::cv_image<unsigned char>(gray));
  int ups = 0;
  while (ups < kMaxUpsamples && std::max(image.nc(), image.nr()) < kUpsampleUntil) {
    dlib::pyramid_up(image);
    ++ups;
  }
  const std::vector<dlib::rectangle> found = detector(image);
  if (found.empty()) return std::nullopt;
  const auto largest = std::max_element(
      found.begin(), found.end(),
      [](const dlib::rectangle& a, const dlib::rectangle& b) { return a.area() < b.area(); });
  const dlib::rectangle r = dlib::pyramid_down<2>().rect_down(*largest, ups);
  // The detectors' box convention (stages/detect/dlib_hog.cc): width = right - left + 1.
  return cv::Rect2f(static_cast<float>(r.left()), static_cast<float>(r.top()),
                    static_cast<float>(r.width()), static_cast<float>(r.height()));
}

// 68 landmarks for the face in `box`, by the align/dlib-68 stage (its shared predictor).
std::vector<cv::Point2f> Landmarks(const cv::Mat& bgr, const cv::Rect2f& box,
                                   const std::string& landmark_model) {
  const StageInfo info = DlibLandmarks68Info();
  auto options = info.default_options();
  if (!landmark_model.empty()) SetOption(*options, "landmark-model", landmark_model);
  ThrowIfInvalid(options->Check());
  const auto stage = info.create(*options);
  StreamFormat format;
  format.crops = false;
  stage->Open(format);
  FrameBatch batch;
  batch.frames.resize(1);
  batch.frames[0].image = bgr;
  Face face;
  face.box = box;
  batch.frames[0].faces.push_back(face);
  stage->Process(batch);
  return batch.frames[0].faces.at(0).landmarks;
}

// Images of `folder` (not recursive), sorted by name.
std::vector<std::string> FolderImages(const std::string& folder) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && IsImageFile(it->path())) files.push_back(it->path().string());
  }
  if (ec) throw FatalError("cannot read reference folder '" + folder + "': " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::vector<float> DescribeLargestFace(const cv::Mat& image, const FaceDescriptor& net,
                                       const std::string& landmark_model) {
  if (image.empty()) return {};
  cv::Mat bgr = ToBgr8(image);
  cv::Mat gray;
  cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  std::optional<cv::Rect2f> box = LargestHogFace(gray);
  if (!box) {
    // An aligned face crop (extract's PNGs, dlib's chips) is too tight for HOG's window:
    // give it a border and look again.
    const int pad = static_cast<int>(std::lround(kPadFraction * std::max(bgr.cols, bgr.rows)));
    cv::Mat padded;
    cv::copyMakeBorder(bgr, padded, pad, pad, pad, pad, cv::BORDER_REPLICATE);
    cv::cvtColor(padded, gray, cv::COLOR_BGR2GRAY);
    box = LargestHogFace(gray);
    if (!box) return {};
    bgr = padded;
  }
  return net.Compute(bgr, Landmarks(bgr, *box, landmark_model));
}

ReferenceSet LoadReferences(const std::vector<std::string>& paths, const FaceDescriptor& net,
                            const std::string& landmark_model) {
  ReferenceSet set;
  for (const auto& path : paths) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      throw FatalError("reference '" + path +
                       "' does not exist: expected a photo with a face or a folder of them");
    }
    if (fs::is_directory(path, ec)) {
      const std::vector<std::string> files = FolderImages(path);
      if (files.empty()) {
        throw FatalError("no images in reference folder '" + path +
                         "': expected .png, .jpg or .jpeg photos with a face");
      }
      size_t found = 0;
      for (const auto& file : files) {
        std::vector<float> d =
            DescribeLargestFace(cv::imread(file, cv::IMREAD_COLOR), net, landmark_model);
        if (d.empty()) {  // One odd image of a folder is skipped, not fatal.
          spdlog::warn("no face found in reference image '{}', skipped", file);
          continue;
        }
        set.files.push_back(file);
        set.descriptors.push_back(std::move(d));
        ++found;
      }
      if (found == 0) {
        throw FatalError("no face found in any image of reference folder '" + path +
                         "': expected photos with a face");
      }
      continue;
    }
    const cv::Mat image = cv::imread(path, cv::IMREAD_COLOR);
    if (image.empty()) {
      throw FatalError("cannot read reference image '" + path +
                       "': expected a PNG or JPEG photo with a face");
    }
    std::vector<float> d = DescribeLargestFace(image, net, landmark_model);
    if (d.empty()) {
      throw FatalError("no face found in reference image '" + path +
                       "': expected a photo with a face");
    }
    set.files.push_back(path);
    set.descriptors.push_back(std::move(d));
  }
  set.mean = MeanDescriptor(set.descriptors);
  return set;
}

}  // namespace faceswap
