#include "models/model_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/check.h"

namespace faceswap {
namespace {

std::string ReadAll(int fd) {
  std::string text;
  char buf[64];
  ssize_t n;
  lseek(fd, 0, SEEK_SET);
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

ModelFolderLock::ModelFolderLock(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  created_folder_ = !fs::exists(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) throw FatalError("cannot create model folder '" + dir + "': " + ec.message());
  const std::string path = (fs::path(dir) / ".lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw FatalError("cannot open lock file '" + path + "': " + std::strerror(errno));
  }
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const std::string holder = ReadAll(fd_);
    ::close(fd_);
    fd_ = -1;
    throw FatalError("model folder '" + dir + "' is in use by another faceswap train (pid " +
                     (holder.empty() ? std::string("unknown") : holder) +
                     "): wait for it to finish or stop it first");
  }
  const std::string previous = ReadAll(fd_);
  if (!previous.empty()) {
    stale_note_ = "took over the lock of process " + previous +
                  ", which ended without releasing it (killed?)";
  }
  const std::string me = std::to_string(getpid()) + "\n";
  if (ftruncate(fd_, 0) != 0 || pwrite(fd_, me.data(), me.size(), 0) < 0) {
    // The lock itself holds; only the note for the next process is missing.
  }
}

ModelFolderLock::~ModelFolderLock() {
  if (fd_ < 0) return;
  // Empty = released cleanly. The file stays: unlinking it would let two processes lock
  // different inodes of the same name.
  [[maybe_unused]] const int rc = ftruncate(fd_, 0);
  ::close(fd_);
}

}  // namespace faceswap
