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

class FaceWriter : public FaceStage {
 public:
  explicit FaceWriter(const FaceWriterOptions& options) : options_(options) {}

  void Open(StreamFormat& format) override {
    folder_ = format.output;
    source_name_ = format.SourceName();
    EnsureWritableFolder(folder_);
    RemoveStaleTemps(folder_);  // Face files of a killed earlier run, never renamed.
  }

 protected:
  bool Wants(const Face& face) const override { return !face.aligned.empty(); }
  void ProcessFace(Frame& frame, Face& face, int index) override {
    const std::vector<int> params = {cv::IMWRITE_PNG_COMPRESSION, options_.png_compression};
    if (!cv::imencode(".png", face.aligned, png_, params)) {
      throw FatalError("cannot encode face " + std::to_string(index) + " of frame " +
                       std::to_string(frame.index) + " as PNG");
    }
    const std::string& source = frame.name.empty() ? source_name_ : frame.name;
    const fs::path path = fs::path(folder_) / FaceFileName(source, frame.index, index);
    // Not fsynced per face: the alignments file, written after the faces, is.
    const std::vector<uchar> bytes =
        AddPngText(png_, kFacePngTextKey, FaceMetadataToJson(Metadata(frame, face, index)));
    WriteFileAtomically(path.string(), bytes.data(), bytes.size(),
                        "face image '" + path.string() + "'", /*sync=*/false);
  }

 private:
  FaceImageMetadata Metadata(const Frame& frame, const Face& face, int index) const {
    FaceImageMetadata m;
    m.source = source_name_;
    m.frame = frame.index;
    m.face = index;
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
  std::vector<uchar> png_;   // Encoder buffer, reused face to face.
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
