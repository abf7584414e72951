#include "models/face_set.h"

#include <cstdint>
#include <cstring>
#include <filesystem>

#include <torch/torch.h>

#include "base/check.h"
#include "base/pending_file.h"
#include "models/archive_check.h"

namespace faceswap {

std::string FaceSet::Check() const {
  if (count <= 0) return "face set '" + name + "' is empty";
  if (height < 8 || width < 8) return "face set '" + name + "' has faces smaller than 8 px";
  if (pixels.size() != static_cast<size_t>(count) * height * width * 3) {
    return "face set '" + name + "' has " + std::to_string(pixels.size()) +
           " bytes, expected count x height x width x 3";
  }
  if (!regions.empty() && regions.size() != static_cast<size_t>(count) * height * width * 2) {
    return "face set '" + name + "' has " + std::to_string(regions.size()) +
           " region bytes, expected count x 2 x height x width";
  }
  if (!landmarks.empty() && landmarks.size() != static_cast<size_t>(count) * 68 * 2) {
    return "face set '" + name + "' has " + std::to_string(landmarks.size()) +
           " landmark values, expected count x 68 x 2";
  }
  return "";
}

void SaveFaceSet(const FaceSet& set, const std::string& path) {
  if (auto error = set.Check(); !error.empty()) throw FatalError(error);
  // The file's keys are positional: landmarks (key "2") need the regions (key "1") before them.
  if (!set.landmarks.empty() && set.regions.empty()) {
    throw FatalError("face set '" + set.name + "' has landmarks but no region maps: cannot pack it");
  }
  auto tensor = torch::from_blob(const_cast<uint8_t*>(set.pixels.data()),
                                 {set.count, set.height, set.width, 3}, torch::kUInt8);
  std::vector<torch::Tensor> tensors{tensor};  // Key "0": what older files hold alone.
  if (!set.regions.empty()) {
    tensors.push_back(torch::from_blob(const_cast<uint8_t*>(set.regions.data()),
                                       {set.count, 2, set.height, set.width}, torch::kUInt8));
  }
  if (!set.landmarks.empty()) {  // Key "2": only with regions (above).
    tensors.push_back(torch::from_blob(const_cast<float*>(set.landmarks.data()),
                                       {set.count, 68, 2}, torch::kFloat32));
  }
  PendingFile file(path);
  WriteStream(
      file.temp_path(), [&](const ByteSink& sink) { torch::save(tensors, sink); },
      "face set '" + path + "'");
  file.Commit();
}

FaceSet LoadFaceSet(const std::string& path, const std::string& name) {
  std::vector<torch::Tensor> tensors;
  // Before LibTorch compiles the archive's code.
  const std::string expected = "expected a file written by 'faceswap pack-faces'";
  CheckArchiveCode(path, "packed face set", expected);
  try {
    torch::load(tensors, path);
    if (tensors.empty()) throw std::runtime_error("no tensor in the archive");
  } catch (const std::exception& e) {
    throw FatalError("cannot read packed face set '" + path + "': " + expected + " (" +
                     TorchErrorText(e, 120) + ")");
  }
  // Each tensor's elements must all lie in the file: one of stride 0 (an expanded view) would
  // turn a 2 KB file into gigabytes in contiguous() below.
  auto stored = [](const torch::Tensor& t) {
    return t.storage().nbytes() >= static_cast<size_t>(t.numel()) * t.element_size();
  };
  torch::Tensor tensor = tensors[0];
  if (!tensor.defined() || tensor.dim() != 4 || tensor.size(3) != 3 ||
      tensor.scalar_type() != torch::kUInt8 || !stored(tensor) ||
      tensor.size(0) > INT32_MAX || tensor.size(1) > INT32_MAX || tensor.size(2) > INT32_MAX) {
    throw FatalError("packed face set '" + path + "' holds a tensor of shape " +
               std::to_string(tensor.dim()) + "-D, expected uint8 N x H x W x 3");
  }
  FaceSet set;
  set.name = name;
  set.count = static_cast<int>(tensor.size(0));
  set.height = static_cast<int>(tensor.size(1));
  set.width = static_cast<int>(tensor.size(2));
  tensor = tensor.contiguous();
  set.pixels.resize(tensor.numel());
  std::memcpy(set.pixels.data(), tensor.data_ptr<uint8_t>(), set.pixels.size());
  if (tensors.size() > 1) {
    if (!tensors[1].defined() || !stored(tensors[1])) {
      throw FatalError("packed face set '" + path + "' has unreadable region maps");
    }
    const auto regions = tensors[1].contiguous();
    if (regions.scalar_type() != torch::kUInt8 ||
        regions.sizes() != torch::IntArrayRef({set.count, 2, set.height, set.width})) {
      throw FatalError("packed face set '" + path + "' has region maps of the wrong shape");
    }
    set.regions.resize(regions.numel());
    std::memcpy(set.regions.data(), regions.data_ptr<uint8_t>(), set.regions.size());
  }
  if (tensors.size() > 2) {
    const auto landmarks = tensors[2].defined() && stored(tensors[2]) ? tensors[2].contiguous()
                                                                      : torch::Tensor();
    if (!landmarks.defined() || landmarks.scalar_type() != torch::kFloat32 ||
        landmarks.sizes() != torch::IntArrayRef({set.count, 68, 2}) ||
        !torch::isfinite(landmarks).all().item<bool>()) {
      throw FatalError("packed face set '" + path +
                       "' has unreadable landmarks: expected float N x 68 x 2");
    }
    set.landmarks.resize(landmarks.numel());
    std::memcpy(set.landmarks.data(), landmarks.data_ptr<float>(),
                set.landmarks.size() * sizeof(float));
  }
  if (const std::string error = set.Check(); !error.empty()) {
    throw FatalError("packed face set '" + path + "': " + error);
  }
  return set;
}

}  // namespace faceswap
