#include "stages/writer/face_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "pipeline/check.h"
#include "pipeline/face_metadata.h"
#include "pipeline/pending_file.h"
#include "pipeline/png_text.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

class FaceWriter : public Stage {
 public:
  explicit FaceWriter(const FaceWriterOptions& options) : options_(options) {}

  void Open(StreamFormat& format) override {
    (void)format;
    EnsureWritableFolder(options_.folder);
  }

  void Process(FrameBatch& batch) override {
    const std::vector<int> params = {cv::IMWRITE_PNG_COMPRESSION, options_.png_compression};
    std::vector<uchar> png;
    for (const auto& frame : batch.frames) {
      if (frame.passthrough) continue;
      const std::string& source = frame.name.empty() ? options_.source_name : frame.name;
      for (size_t i = 0; i < frame.faces.size(); ++i) {
        const Face& face = frame.faces[i];
        if (face.aligned.empty()) continue;
        if (!cv::imencode(".png", face.aligned, png, params)) {
          throw FatalError("cannot encode face " + std::to_string(i) + " of frame " +
                           std::to_string(frame.index) + " as PNG");
        }
        const fs::path path =
            fs::path(options_.folder) / FaceFileName(source, frame.index, static_cast<int>(i));
        WriteAtomically(path.string(),
                        AddPngText(png, kFacePngTextKey, FaceMetadataToJson(Metadata(frame, i))));
      }
    }
  }

 private:
  FaceImageMetadata Metadata(const Frame& frame, size_t i) const {
    const Face& face = frame.faces[i];
    FaceImageMetadata m;
    m.source = options_.source_name;
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

  // Temp name, then rename: a failed write or close (a full disk) removes the temp file and
  // throws naming the face file and the system's reason.
  static void WriteAtomically(const std::string& path, const std::vector<uchar>& data) {
    const std::string tmp = path + ".part";
    const std::string what = "face image '" + path + "'";
    WriteBytes(tmp, data.data(), data.size(), what);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      const std::string why = std::strerror(errno);
      std::remove(tmp.c_str());
      throw FatalError("cannot write " + what + ": " + why);
    }
  }

  FaceWriterOptions options_;
};

}  // namespace

void FaceWriterOptions::Bind(OptionBinder& binder) {
  binder.Add("png-compression", &png_compression,
             "PNG compression level of face images, 0 (fast) to 9 (small)");
}

std::string FaceWriterOptions::Check() const {
  return OptionCheck().Range("png-compression", png_compression, 0, 9).Error();
}

std::string FaceFileName(const std::string& source, int64_t index, int face) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "_%06lld_%d.png", static_cast<long long>(index), face);
  return source + buf;
}

bool ParseFaceFileName(const std::string& file_name, std::string* source, int64_t* index,
                       int* face) {
  const std::string name = fs::path(file_name).filename().string();
  const std::string ext = ".png";
  if (name.size() <= ext.size() || name.compare(name.size() - ext.size(), ext.size(), ext) != 0) {
    return false;
  }
  const std::string stem = name.substr(0, name.size() - ext.size());
  // "<source>_<digits>_<digits>": split at the last two underscores.
  const size_t b = stem.rfind('_');
  if (b == std::string::npos || b == 0) return false;
  const size_t a = stem.rfind('_', b - 1);
  if (a == std::string::npos) return false;
  const std::string frame_digits = stem.substr(a + 1, b - a - 1);
  const std::string face_digits = stem.substr(b + 1);
  auto digits = [](const std::string& s, size_t max) {
    return !s.empty() && s.size() <= max && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(frame_digits, 18) || !digits(face_digits, 6)) return false;
  if (source) *source = stem.substr(0, a);
  if (index) *index = std::stoll(frame_digits);
  if (face) *face = std::stoi(face_digits);
  return true;
}

void EnsureWritableFolder(const std::string& folder) {
  if (folder.empty()) throw FatalError("no output folder given");
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec || !fs::is_directory(folder)) {
    throw FatalError("cannot create output folder '" + folder +
                     "': " + (ec ? ec.message() : std::string("a file of that name exists")));
  }
  // Permissions alone do not tell (root, read-only mounts): try to create a file.
  const std::string probe =
      (fs::path(folder) / (".faceswap-write-test-" + std::to_string(::getpid()))).string();
  std::FILE* f = std::fopen(probe.c_str(), "wb");
  if (!f) {
    throw FatalError("output folder '" + folder + "' is not writable: " + std::strerror(errno));
  }
  std::fclose(f);
  std::remove(probe.c_str());
}

StageInfo FaceWriterInfo() {
  return MakeStageInfo<FaceWriter, FaceWriterOptions>(
      "writer/faces", "Aligned face crops as PNG files <source>_<frame>_<face>.png",
      /*parallel=*/true);
}

}  // namespace faceswap
