#include "pipeline/pending_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "pipeline/check.h"

namespace faceswap {
namespace fs = std::filesystem;

namespace {

std::string FolderOf(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

}  // namespace

void CheckOutputFolder(const std::string& path) {
  const std::string dir = FolderOf(path);
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (!fs::exists(status)) {
    throw FatalError("cannot write '" + path + "': output folder '" + dir + "' does not exist");
  }
  if (!fs::is_directory(status)) {
    throw FatalError("cannot write '" + path + "': '" + dir + "' is not a folder");
  }
}

PendingFile::PendingFile(std::string final_path) : final_path_(std::move(final_path)) {
  CheckOutputFolder(final_path_);
  const fs::path final_fs(final_path_);
  const std::string prefix =
      (fs::path(FolderOf(final_path_)) / ("." + final_fs.stem().string() + ".partial-")).string();
  std::random_device seed;
  std::mt19937_64 rng(seed());
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string suffix(6, 'x');
    for (char& c : suffix) c = kAlphabet[rng() % (sizeof kAlphabet - 1)];
    const std::string candidate = prefix + suffix + final_fs.extension().string();
    // 0666 filtered by the umask, like any file the user creates (not mkstemp's 0600).
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      ::close(fd);
      temp_path_ = candidate;
      return;
    }
    if (errno != EEXIST) {
      throw FatalError("cannot write '" + final_path_ + "': output folder '" +
                       FolderOf(final_path_) + "' is not writable (" + std::strerror(errno) + ")");
    }
  }
  throw FatalError("cannot create a temporary file in '" + FolderOf(final_path_) + "'");
}

PendingFile::~PendingFile() { Discard(); }

void WriteBytes(const std::string& path, const void* data, size_t size, const std::string& what) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  int error = fd < 0 ? errno : 0;
  const char* bytes = static_cast<const char*>(data);
  for (size_t done = 0; error == 0 && done < size;) {
    const ssize_t n = ::write(fd, bytes + done, size - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      error = errno;
    } else if (n == 0) {
      error = EIO;
    }
  }
  if (fd >= 0 && ::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    ::unlink(path.c_str());
    throw FatalError("cannot write " + what + ": " + std::strerror(error));
  }
}

void PendingFile::Discard() {
  if (done_ || temp_path_.empty()) return;
  ::unlink(temp_path_.c_str());
  done_ = true;
}

void PendingFile::Commit(bool sync) {
  if (done_) throw FatalError("'" + final_path_ + "' was already committed or discarded");
  if (sync) {
    const int fd = ::open(temp_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
      const std::string reason = std::strerror(errno);
      if (fd >= 0) ::close(fd);
      throw FatalError("cannot write '" + final_path_ + "': " + reason);
    }
    ::close(fd);
  }
  if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    throw FatalError("cannot rename '" + temp_path_ + "' to '" + final_path_ +
                     "': " + std::strerror(errno));
  }
  done_ = true;
}

}  // namespace faceswap
