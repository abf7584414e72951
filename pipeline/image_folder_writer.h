// Writes frames as numbered images into a folder: "<name>.<ext>" for frames that carry a
// name (from an image folder), else "%06d.<ext>" of the frame index. Each file is written
// under a temporary name and renamed, so a file under its final name is always complete.
//
//   ImageFolderWriter writer("frames/", {.format = "png"});
//   writer.Write(frame);   // frames/000042.png
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "pipeline/frame.h"

namespace faceswap {

struct ImageFolderWriterOptions {
  // Image format: png (lossless) or jpg.
  std::string format = "png";
  // JPEG quality, 1 (worst) to 100 (best).
  int jpeg_quality = 95;
  // PNG zlib level, 0 (none, fastest) to 9 (smallest); 3 is a good speed/size balance.
  int png_compression = 3;

  std::string Check() const;
};

class ImageFolderWriter {
 public:
  // Creates the folder (and parents) if needed; FatalError naming it when that fails or
  // it is not writable.
  explicit ImageFolderWriter(std::string folder, ImageFolderWriterOptions options = {});
  // Removes the folder again if this writer created it and wrote nothing into it.
  ~ImageFolderWriter();
  ImageFolderWriter(const ImageFolderWriter&) = delete;
  ImageFolderWriter& operator=(const ImageFolderWriter&) = delete;
  // Writes one BGR (or grey) image; FatalError naming the file on failure.
  void Write(const Frame& frame);
  // The file a frame is written to: <folder>/FrameFileStem(name, index).<format>.
  std::string PathFor(const Frame& frame) const;
  int64_t frames_written() const { return frames_; }
  const std::string& folder() const { return folder_; }

 private:
  std::string folder_;
  ImageFolderWriterOptions options_;
  int64_t frames_ = 0;
  bool created_folder_ = false;
};

// Writes one image file (format from the extension, e.g. .png) encoded in memory, under a
// temporary name renamed into place (base/pending_file.h): a full disk is an error naming
// the file (cv::imwrite may not notice a failed flush) and no partial file is left.
void WriteImageFile(const std::string& path, const cv::Mat& image,
                    const std::vector<int>& params = {}, bool sync = true);

// The stem of a frame's file: its source name (image folders), else the six-digit index.
std::string FrameFileStem(const std::string& name, int64_t index);

}  // namespace faceswap
