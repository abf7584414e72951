#include "pipeline/image_folder_writer.h"

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <vector>

#include "base/check.h"
#include "base/pending_file.h"

namespace faceswap {
namespace fs = std::filesystem;

std::string ImageFolderWriterOptions::Check() const {
  return OptionCheck()
      .OneOf("image-format", format, {"png", "jpg"})
      .Range("jpeg-quality", jpeg_quality, 1, 100)
      .Range("png-compression", png_compression, 0, 9)
      .Error();
}

ImageFolderWriter::ImageFolderWriter(std::string folder, ImageFolderWriterOptions options)
    : folder_(std::move(folder)), options_(std::move(options)) {
  ThrowIfInvalid(options_.Check());
  std::error_code ec;
  created_folder_ = fs::create_directories(folder_, ec);
  if (!fs::is_directory(folder_)) {
    throw FatalError("cannot write images to '" + folder_ +
                     "': " + (ec ? ec.message() : std::string("not a folder")));
  }
  // Fails now (naming the folder) rather than at the first frame when it is not writable.
  PendingFile probe((fs::path(folder_) / "probe").string());
  RemoveStaleTemps(folder_);  // Images of a killed earlier run, never renamed.
}

ImageFolderWriter::~ImageFolderWriter() {
  std::error_code ec;
  if (created_folder_ && frames_ == 0) fs::remove(folder_, ec);  // Only if still empty.
}

std::string FrameFileStem(const std::string& name, int64_t index) {
  if (!name.empty()) return name;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%06lld", static_cast<long long>(index));
  return buf;
}

std::string ImageFolderWriter::PathFor(const Frame& frame) const {
  return (fs::path(folder_) / (FrameFileStem(frame.name, frame.index) + "." + options_.format))
      .string();
}

void ImageFolderWriter::Write(const Frame& frame) {
  const std::string path = PathFor(frame);
  if (frame.image.empty()) throw FatalError("cannot write '" + path + "': empty image");
  std::vector<int> params;
  if (options_.format == "jpg") {
    params = {cv::IMWRITE_JPEG_QUALITY, options_.jpeg_quality};
  } else {
    params = {cv::IMWRITE_PNG_COMPRESSION, options_.png_compression};
  }
  // No fsync per image (thousands of small files); the rename still makes each atomic.
  WriteImageFile(path, frame.image, params, /*sync=*/false);
  ++frames_;
}

void WriteImageFile(const std::string& path, const cv::Mat& image, const std::vector<int>& params,
                    bool sync) {
  std::vector<uchar> bytes;
  const std::string ext = std::filesystem::path(path).extension().string();
  if (image.empty() || !cv::imencode(ext, image, bytes, params)) {
    throw FatalError("cannot encode '" + path + "' as " + (ext.empty() ? "an image" : ext));
  }
  PendingFile file(path);
  WriteBytes(file.temp_path(), bytes.data(), bytes.size(), "'" + path + "'");
  file.Commit(sync);
}

}  // namespace faceswap
