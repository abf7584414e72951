#include "stages/writer/face_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "pipeline/check.h"
#include "pipeline/pending_file.h"

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
        WriteAtomically(path.string(), png);
      }
    }
  }

 private:
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
