#include "tools/face_loader.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

#include "base/check.h"
#include "pipeline/interrupt.h"
#include "tools/face_regions.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

bool IsImage(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".webp";
}

}  // namespace

FaceSet LoadFaces(const std::string& path, const std::string& name,
                  std::vector<std::string>* files_out) {
  if (!fs::exists(path)) {
    throw FatalError("face folder '" + path + "' for identity '" + name + "' does not exist");
  }
  if (!fs::is_directory(path)) {
    FaceSet packed = LoadFaceSet(path, name);
    if (packed.count < 2 || packed.width != packed.height) {
      throw FatalError("face set '" + path + "' of identity '" + name + "' holds " +
                       std::to_string(packed.count) + " face(s) of " +
                       std::to_string(packed.width) + "x" + std::to_string(packed.height) +
                       ": expected at least 2 square aligned faces (faceswap pack-faces)");
    }
    if (files_out) {
      files_out->clear();
      for (int i = 0; i < packed.count; ++i) files_out->push_back(path + "#" + std::to_string(i));
    }
    return packed;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(path)) {
    if (entry.is_regular_file() && IsImage(entry.path())) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  FaceSet set;
  set.name = name;
  int skipped = 0, resized = 0;
  std::vector<std::string> loaded;
  for (const auto& file : files) {
    ThrowIfInterrupted("while loading faces");  // Big folders take a while to read.
    cv::Mat image = cv::imread(file.string(), cv::IMREAD_COLOR);
    if (image.empty()) {
      ++skipped;
      continue;
    }
    if (image.rows != image.cols) {
      throw FatalError("face image '" + file.string() + "' of identity '" + name + "' is " +
                       std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                       ": expected square aligned faces as written by faceswap extract");
    }
    loaded.push_back(file.string());
    if (set.count == 0) {
      set.height = image.rows;
      set.width = image.cols;
      set.pixels.reserve(files.size() * image.total() * 3);
    } else if (image.rows != set.height || image.cols != set.width) {
      cv::resize(image, image, cv::Size(set.width, set.height), 0, 0, cv::INTER_AREA);
      ++resized;
    }
    if (!image.isContinuous()) image = image.clone();
    set.pixels.insert(set.pixels.end(), image.data, image.data + image.total() * 3);
    ++set.count;
  }
  if (set.count == 0) {
    throw FatalError("no readable face image (png/jpg) in '" + path + "' for identity '" + name +
                     "'");
  }
  if (set.count < 2) {
    throw FatalError("identity '" + name + "' has only 1 face in '" + path +
                     "': expected at least 2 aligned faces (faceswap extract writes them)");
  }
  if (files_out) *files_out = loaded;
  if (skipped) spdlog::warn("{}: {} unreadable image(s) skipped in {}", name, skipped, path);
  if (resized) {
    spdlog::warn("{}: {} face(s) resized to {}x{} to match the first", name, resized, set.width,
                 set.height);
  }
  if (AddLandmarkRegions(path, loaded, set)) {
    spdlog::info("{}: face and eye/mouth regions from the landmarks in {}", name, path);
  } else {
    spdlog::info("{}: no landmarks for every face in {} (no extract alignments file): face and "
                 "eye/mouth regions from a fixed template", name, path);
  }
  return set;
}

}  // namespace faceswap
