// ImageFolderReader: PNG/JPEG files of a folder, in name order, as frames.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>

extern "C" {
#include <libavutil/rational.h>
}

#include <spdlog/spdlog.h>

#include "base/check.h"
#include "pipeline/video_reader.h"

namespace faceswap {
namespace fs = std::filesystem;

namespace {

bool IsImageFile(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

// Time base whose unit is one frame at `fps` (1/25 for 25, 1001/30000 for 29.97).
AVRational FrameTimeBase(double fps) { return av_inv_q(av_d2q(fps, 1001000)); }

}  // namespace

ImageFolderReader::ImageFolderReader(const std::string& folder, double fps)
    : folder_(folder), fps_(fps) {
  if (!(fps > 0 && fps <= 1000)) {
    throw FatalError("invalid frame rate " + std::to_string(fps) + " for image folder '" + folder +
                     "': expected 0 < fps <= 1000");
  }
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw FatalError("cannot read image folder '" + folder + "': not a folder");
  }
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && IsImageFile(it->path())) files_.push_back(it->path().string());
  }
  if (ec) throw FatalError("cannot read image folder '" + folder + "': " + ec.message());
  std::sort(files_.begin(), files_.end());
  if (files_.empty()) {
    throw FatalError("no images in folder '" + folder + "': expected .png, .jpg or .jpeg files");
  }
}

namespace {
// Why `file` did not decode, for messages.
std::string Unreadable(const std::string& file) {
  std::error_code ec;
  const bool empty = fs::file_size(file, ec) == 0 && !ec;
  return "cannot read image '" + file +
         "': " + (empty ? "the file is empty (0 bytes)" : "not a valid PNG/JPEG");
}
}  // namespace

bool ImageFolderReader::ReadFrame(Frame& frame) {
  cv::Mat image;
  for (; next_ < files_.size(); ++next_) {
    image = cv::imread(files_[next_], cv::IMREAD_COLOR);
    if (!image.empty()) break;
    spdlog::warn("{}, skipped", Unreadable(files_[next_]));
    ++lost_;
  }
  if (next_ >= files_.size()) return false;
  const std::string& file = files_[next_];
  frame = Frame();
  frame.index = static_cast<int64_t>(next_);
  frame.pts = frame.index;
  frame.timestamp = static_cast<double>(frame.index) * av_q2d(FrameTimeBase(fps_));
  frame.image = std::move(image);
  frame.name = fs::path(file).stem().string();
  ++next_;
  return true;
}

int64_t ImageFolderReader::Skip(int64_t count) {
  const size_t n =
      std::min(static_cast<size_t>(std::max<int64_t>(count, 0)), files_.size() - next_);
  next_ += n;
  return static_cast<int64_t>(n);
}

StreamFormat ImageFolderReader::Open() {
  // The size of the first readable image; later images may differ (writers that need one
  // size check). Unreadable ones are reported when ReadFrame() reaches them.
  cv::Mat first;
  for (const std::string& file : files_) {
    first = cv::imread(file, cv::IMREAD_COLOR);
    if (!first.empty()) break;
  }
  if (first.empty()) {
    throw FatalError("no readable image in folder '" + folder_ +
                     "': " + Unreadable(files_.front()) +
                     (files_.size() > 1 ? " (and every other one)" : ""));
  }
  const AVRational tb = FrameTimeBase(fps_);
  StreamFormat format;
  format.width = first.cols;
  format.height = first.rows;
  format.fps = fps_;
  format.frame_count = static_cast<int64_t>(files_.size());
  format.time_base_num = tb.num;
  format.time_base_den = tb.den;
  format.path = folder_;
  format.stills = true;  // Detectors search each picture fully (group photos, mixed sizes).
  return format;
}


std::unique_ptr<FrameSource> OpenFrameSource(const std::string& path,
                                             const VideoReaderOptions& options, double image_fps) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) {
    throw FatalError("cannot open input '" + path +
                     "': no such file or folder (expected a video file or an image folder)");
  }
  if (fs::is_directory(status)) return std::make_unique<ImageFolderReader>(path, image_fps);
  return std::make_unique<VideoReader>(path, options);
}

}  // namespace faceswap
