#include "stages/writer/face_writer.h"

#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "base/check.h"
#include "base/pending_file.h"
#include "pipeline/face_metadata.h"
#include "pipeline/png_text.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

class FaceWriter : public Stage {
 public:
  explicit FaceWriter(const FaceWriterOptions& options) : options_(options) {}

  void Open(StreamFormat& format) override {
    folder_ = format.output;
    source_name_ = format.SourceName();
    EnsureWritableFolder(folder_);
    RemoveStaleTemps(folder_);  // Face files of a killed earlier run, never renamed.
  }

  void Process(FrameBatch& batch) override {
    const std::vector<int> params = {cv::IMWRITE_PNG_COMPRESSION, options_.png_compression};
    std::vector<uchar> png;
    for (const auto& frame : batch.frames) {
      if (frame.passthrough) continue;
      const std::string& source = frame.name.empty() ? source_name_ : frame.name;
      for (size_t i = 0; i < frame.faces.size(); ++i) {
        const Face& face = frame.faces[i];
        if (face.aligned.empty()) continue;
        if (!cv::imencode(".png", face.aligned, png, params)) {
          throw FatalError("cannot encode face " + std::to_string(i) + " of frame " +
                           std::to_string(frame.index) + " as PNG");
        }
        const fs::path path =
            fs::path(folder_) / FaceFileName(source, frame.index, static_cast<int>(i));
        // Not fsynced per face: the alignments file, written after the faces, is.
        const std::vector<uchar> bytes =
            AddPngText(png, kFacePngTextKey, FaceMetadataToJson(Metadata(frame, i)));
        WriteFileAtomically(path.string(), bytes.data(), bytes.size(),
                            "face image '" + path.string() + "'", /*sync=*/false);
      }
    }
  }

 private:
  FaceImageMetadata Metadata(const Frame& frame, size_t i) const {
    const Face& face = frame.faces[i];
    FaceImageMetadata m;
    m.source = source_name_;
    m.frame = frame.index;
    m.face = static_cast<int>(i);
    m.name = frame.name;
    if (face.landmarks.size() == 68) {
      m.landmarks = face.landmarks;
      m.frame_to_aligned = face.frame_to_aligned;
    }
    m.size = face.aligned.cols;
    if (face.identity_distance >= 0) m.identity_distance = face.identity_distance;
    return m;
  }

  FaceWriterOptions options_;
  std::string folder_;       // StreamFormat::output.
  std::string source_name_;  // <source> for frames without a name: StreamFormat::SourceName().
};

}  // namespace

void FaceWriterOptions::Bind(OptionBinder& binder) {
  binder.Add("png-compression", &png_compression,
             "PNG compression level of face images, 0 (fast) to 9 (small)");
}

std::string FaceWriterOptions::Check() const {
  return OptionCheck().Range("png-compression", png_compression, 0, 9).Error();
}

StageInfo FaceWriterInfo() {
  return MakeStageInfo<FaceWriter, FaceWriterOptions>(
      "writer/faces", "Aligned face crops as PNG files <source>_<frame>_<face>.png",
      /*parallel=*/true);
}

}  // namespace faceswap
