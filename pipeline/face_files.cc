#include "pipeline/face_files.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "base/check.h"

namespace faceswap {

namespace fs = std::filesystem;

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

}  // namespace faceswap
