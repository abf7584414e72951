#include "stages/detect/opencv_haar.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <opencv2/objdetect.hpp>
#include <sstream>

#include "base/check.h"
#include "stages/detect/face_search.h"

namespace faceswap {
namespace {

// The cascade's XML text, read once per process per path.
std::shared_ptr<const std::string> CascadeText(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const std::string>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw FatalError("Haar cascade '" + path +
                     "' not found: install Debian package opencv-data or pass --haar-cascade PATH");
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto shared = std::make_shared<const std::string>(text.str());
  cache.emplace(path, shared);
  return shared;
}

class OpenCvHaarDetector : public Stage {
 public:
  explicit OpenCvHaarDetector(const OpenCvHaarOptions& options) : options_(options) {
    const auto text = CascadeText(options_.cascade);
    cv::FileStorage fs(*text, cv::FileStorage::READ | cv::FileStorage::MEMORY);
    if (!fs.isOpened() || !classifier_.read(fs.getFirstTopLevelNode())) {
      // Old-style cascades only load through load().
      if (!classifier_.load(options_.cascade)) {
        throw FatalError("'" + options_.cascade + "' is not an OpenCV cascade classifier XML file");
      }
    }
  }

  void Open(StreamFormat& format) override { search_.Open(format); }

  void Process(FrameBatch& batch) override {
    search_.Process(batch, [&](const cv::Mat& gray, bool band) {
      // One rung of the search needs faces up to ~2x the native size only.
      const int max_window = band ? static_cast<int>(2.2 * kHaarMinFace) : 0;
      std::vector<cv::Rect> rects;
      std::vector<int> levels;
      std::vector<double> weights;
      classifier_.detectMultiScale(gray, rects, levels, weights, options_.scale_step,
                                   options_.min_neighbors, 0, cv::Size(kHaarMinFace, kHaarMinFace),
                                   cv::Size(max_window, max_window), /*outputRejectLevels=*/true);
      std::vector<Face> faces;
      for (size_t i = 0; i < rects.size(); ++i) {
        Face face;
        face.box = cv::Rect2f(rects[i]);
        face.score = i < weights.size() ? static_cast<float>(weights[i]) : 0.f;
        faces.push_back(std::move(face));
      }
      return faces;
    });
  }

 private:
  OpenCvHaarOptions options_;
  FaceSearch search_{options_, kHaarMinFace};
  cv::CascadeClassifier classifier_;
};

}  // namespace

void OpenCvHaarOptions::BindOwn(OptionBinder& binder) {
  binder.Add("haar-cascade", &cascade, "detect/opencv-haar: cascade XML file");
  binder.Add("haar-min-neighbors", &min_neighbors,
             "detect/opencv-haar: overlapping hits needed to keep a face");
  binder.Add("haar-scale-step", &scale_step, "detect/opencv-haar: pyramid step (> 1)");
}

std::string OpenCvHaarOptions::Check() const {
  std::string e = DetectOptions::Check();
  if (!e.empty()) return e;
  return OptionCheck()
      .Range("haar-min-neighbors", min_neighbors, 0, 100)
      .Range("haar-scale-step", scale_step, 1.01, 2.0)
      .That(!cascade.empty(), "option 'haar-cascade' is empty: expected a cascade XML file")
      .Error();
}

StageInfo OpenCvHaarDetectorInfo() {
  return MakeStageInfo<OpenCvHaarDetector, OpenCvHaarOptions>(
      "detect/opencv-haar", "OpenCV Haar cascade face detector (opencv-data)", /*parallel=*/true);
}

}  // namespace faceswap
