// `faceswap pack-faces`: a folder of aligned faces -> one packed face-set file (a LibTorch
// archive of a uint8 N x H x W x 3 tensor) that `train` and the benchmarks read without an
// image codec (e.g. on a GPU machine that has only LibTorch).
#include <memory>

#include <spdlog/spdlog.h>

#include "base/check.h"
#include "models/face_set.h"
#include "tools/command.h"
#include "tools/face_loader.h"

namespace faceswap {

CommandSetup PackFacesCommand() {
  return [](CLI::App& sub, AppContext&) -> CommandRun {
    auto input = std::make_shared<std::string>();
    auto output = std::make_shared<std::string>();
    sub.add_option("-i,--input", *input, "Folder of aligned face images")->required();
    sub.add_option("-o,--output", *output, "Packed face-set file to write")->required();
    return [input, output] {
      FaceSet set = LoadFaces(*input, "faces");
      SaveFaceSet(set, *output);
      spdlog::info("packed {} faces {}x{} into {}", set.count, set.width, set.height, *output);
      return 0;
    };
  };
}

}  // namespace faceswap
