#include "base/pending_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <random>

#include "base/check.h"

namespace faceswap {
namespace fs = std::filesystem;

namespace {

constexpr const char* kMarker = ".partial-";
constexpr size_t kRandomChars = 6;

// The temporary name's parts: "<folder>/.<stem>.partial-<pid>-" and "<ext>".
struct TempPattern {
  std::string prefix, extension;
};

TempPattern PatternFor(const std::string& final_path) {
  const fs::path final_fs(final_path);
  return {(fs::path(FolderOf(final_path)) /
           ("." + final_fs.stem().string() + kMarker + std::to_string(::getpid()) + "-"))
              .string(),
          final_fs.extension().string()};
}

// Tries `create` (exclusive: fails with EEXIST when the name is taken) on fresh random names.
template <typename Create>
std::string CreateUnique(const std::string& final_path, Create create) {
  const TempPattern pattern = PatternFor(final_path);
  std::random_device seed;
  std::mt19937_64 rng(seed());
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string suffix(kRandomChars, 'x');
    for (char& c : suffix) c = kAlphabet[rng() % (sizeof kAlphabet - 1)];
    const std::string candidate = pattern.prefix + suffix + pattern.extension;
    if (create(candidate)) return candidate;
    if (errno != EEXIST) {
      throw FatalError("cannot write '" + final_path + "': output folder '" +
                       FolderOf(final_path) + "' is not writable (" + std::strerror(errno) + ")");
    }
  }
  throw FatalError("cannot create a temporary file in '" + FolderOf(final_path) + "'");
}

// The writer's pid in a temporary name, or -1 when `name` is not one.
long TempNameOwner(const std::string& name) {
  if (name.empty() || name[0] != '.') return -1;
  const size_t marker = name.rfind(kMarker);
  if (marker == std::string::npos || marker < 2) return -1;
  size_t i = marker + std::strlen(kMarker);
  const size_t digits = i;
  long pid = 0;
  while (i < name.size() && name[i] >= '0' && name[i] <= '9' && i - digits < 10) {
    pid = pid * 10 + (name[i++] - '0');
  }
  if (i == digits || i >= name.size() || name[i] != '-') return -1;
  ++i;
  for (size_t k = 0; k < kRandomChars; ++k, ++i) {
    if (i >= name.size() || !(std::islower(static_cast<unsigned char>(name[i])) ||
                              std::isdigit(static_cast<unsigned char>(name[i])))) {
      return -1;
    }
  }
  return (i == name.size() || name[i] == '.') ? pid : -1;
}

}  // namespace

std::string FolderOf(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

bool IsTempName(const std::string& name) { return TempNameOwner(name) >= 0; }

void RemoveStaleTemps(const std::string& folder) {
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const long pid = TempNameOwner(it->path().filename().string());
    if (pid < 0 || pid == ::getpid()) continue;
    // ESRCH: no such process. EPERM means it lives (another user's): keep it.
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove_all(it->path(), ignored);
    }
  }
}

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
  temp_path_ = CreateUnique(final_path_, [](const std::string& candidate) {
    // 0666 filtered by the umask, like any file the user creates (not mkstemp's 0600).
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) return false;
    ::close(fd);
    return true;
  });
}

std::string CreateTempFolder(const std::string& final_path) {
  CheckOutputFolder(final_path);
  return CreateUnique(final_path, [](const std::string& candidate) {
    return ::mkdir(candidate.c_str(), 0777) == 0;
  });
}

PendingFile::~PendingFile() { Discard(); }

void WriteStream(const std::string& path, const std::function<void(const ByteSink&)>& produce,
                 const std::string& what, bool sync) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw FatalError("cannot write " + what + ": " + std::strerror(errno));
  int error = 0;
  const ByteSink sink = [&](const void* data, size_t size) -> size_t {
    static const char kZeros[4096] = {};
    size_t done = 0;
    while (error == 0 && done < size) {
      const char* from = data ? static_cast<const char*>(data) + done : kZeros;
      const size_t chunk = data ? size - done : std::min(size - done, sizeof kZeros);
      const ssize_t n = ::write(fd, from, chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error = n < 0 ? errno : EIO;
      } else {
        done += static_cast<size_t>(n);
      }
    }
    return size;
  };
  std::exception_ptr failure;
  try {
    produce(sink);
  } catch (...) {
    failure = std::current_exception();
  }
  if (!failure && error == 0 && sync && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0 || failure) ::unlink(path.c_str());
  if (error != 0) throw FatalError("cannot write " + what + ": " + std::strerror(error));
  if (failure) std::rethrow_exception(failure);
}

void WriteBytes(const std::string& path, const void* data, size_t size, const std::string& what,
                bool sync) {
  WriteStream(
      path, [&](const ByteSink& sink) { sink(data, size); }, what, sync);
}

void WriteFileAtomically(const std::string& path, const void* data, size_t size,
                         const std::string& what, bool sync) {
  PendingFile file(path);
  WriteBytes(file.temp_path(), data, size, what.empty() ? "'" + path + "'" : what);
  file.Commit(sync);
}

void SyncPath(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FatalError("cannot open '" + path + "' to sync it: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) throw FatalError("cannot sync '" + path + "' to disk: " + std::strerror(error));
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
