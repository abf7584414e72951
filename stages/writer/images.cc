#include "stages/writer/images.h"

#include <memory>

#include "base/check.h"

namespace faceswap {
namespace {

class ImageWriterStage : public Stage {
 public:
  explicit ImageWriterStage(const ImageWriterStageOptions& options) : options_(options) {}

  void Open(StreamFormat& format) override {
    const std::string& output = options_.output.empty() ? format.output : options_.output;
    if (output.empty()) throw FatalError("writer/images: no output folder given");
    writer_ = std::make_unique<ImageFolderWriter>(output, options_.images);
  }

  void Process(FrameBatch& batch) override {
    for (const Frame& frame : batch.frames) writer_->Write(frame);
  }

 private:
  ImageWriterStageOptions options_;
  std::unique_ptr<ImageFolderWriter> writer_;
};

}  // namespace

void ImageWriterStageOptions::Bind(OptionBinder& binder) {
  binder.Add("image-format", &images.format, "Image format for folder output: png or jpg");
  binder.Add("jpeg-quality", &images.jpeg_quality, "JPEG quality, 1 .. 100");
  binder.Add("png-compression", &images.png_compression,
             "PNG compression level, 0 (fastest) .. 9 (smallest)");
}

std::string ImageWriterStageOptions::Check() const {
  return images.Check();
}

StageInfo ImageWriterStageInfo() {
  return MakeStageInfo<ImageWriterStage, ImageWriterStageOptions>(
      "writer/images", "Write frames as PNG/JPEG files into a folder", /*parallel=*/true);
}

}  // namespace faceswap
