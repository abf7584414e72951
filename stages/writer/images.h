// writer/images: writes each frame it receives as an image file into a folder
// (pipeline/image_folder_writer.h): "<name>.png" for frames from an image folder, else
// "%06d.png" of the frame index. A sink: frames pass through unchanged. Several workers
// may write different frames at once.
#pragma once

#include <string>

#include "pipeline/image_folder_writer.h"
#include "pipeline/stage.h"

namespace faceswap {

struct ImageWriterStageOptions : StageOptions {
  // Output folder (created if missing); "" = StreamFormat::output (the command's -o).
  std::string output;
  // Image format and its quality settings.
  ImageFolderWriterOptions images;

  void Bind(OptionBinder& binder) override;
  std::string Check() const override;
};

StageInfo ImageWriterStageInfo();

}  // namespace faceswap
