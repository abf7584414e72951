#include "tests/testing/child_process.h"

#include <poll.h>
#include <sys/inotify.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace faceswap::testing {

namespace fs = std::filesystem;

ChildProcess::ChildProcess(const std::string& command) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    // The test runner may have blocked or ignored signals; the child starts with defaults.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    const std::string exec = "exec " + command;
    execl("/bin/sh", "sh", "-c", exec.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  fd_ = fds[0];
}

ChildProcess::~ChildProcess() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
  if (fd_ >= 0) close(fd_);
}

bool ChildProcess::ReadSome() {
  if (fd_ < 0) return false;
  char buf[4096];
  const ssize_t n = read(fd_, buf, sizeof buf);
  if (n <= 0) {
    close(fd_);
    fd_ = -1;
    return false;
  }
  output_.append(buf, static_cast<size_t>(n));
  return true;
}

bool ChildProcess::WaitForOutput(const std::string& text) {
  for (;;) {
    const size_t at = output_.find(text, matched_);
    if (at != std::string::npos) {
      matched_ = at + text.size();
      return true;
    }
    if (!ReadSome()) return false;
  }
}

namespace {

// inotify on folders and every folder below them, including folders created while watching.
class FolderWatch {
 public:
  explicit FolderWatch(const std::vector<std::string>& folders)
      : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error("inotify_init1 failed");
    for (const auto& folder : folders) {
      if (!fs::is_directory(folder)) throw std::invalid_argument("no folder '" + folder + "'");
      AddTree(folder);
    }
  }
  ~FolderWatch() { close(fd_); }
  int fd() const { return fd_; }

  // Reads the pending events; folders created meanwhile are watched from now on.
  void Drain() {
    alignas(inotify_event) char buf[8192];
    ssize_t n;
    while ((n = read(fd_, buf, sizeof buf)) > 0) {
      for (char* p = buf; p < buf + n;) {
        const auto* e = reinterpret_cast<const inotify_event*>(p);
        if ((e->mask & IN_ISDIR) && (e->mask & (IN_CREATE | IN_MOVED_TO)) && e->len > 0) {
          const auto parent = folders_.find(e->wd);
          if (parent != folders_.end()) AddTree(parent->second / e->name);
        }
        p += sizeof(inotify_event) + e->len;
      }
    }
  }

 private:
  void AddTree(const fs::path& folder) {
    constexpr uint32_t kEvents = IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO |
                                 IN_MOVED_FROM | IN_DELETE | IN_ATTRIB | IN_OPEN;
    const int wd = inotify_add_watch(fd_, folder.c_str(), kEvents);
    if (wd < 0) return;  // Gone already: nothing left to watch there.
    folders_[wd] = folder;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_directory(ec)) AddTree(it->path());
    }
  }

  int fd_;
  std::map<int, fs::path> folders_;
};

}  // namespace

bool ChildProcess::WaitUntil(const std::vector<std::string>& folders,
                             const std::function<bool()>& done) {
  FolderWatch watch(folders);  // Before the first check: no change can slip between.
  while (!done()) {
    if (fd_ < 0) {
      // Its output ended: the process is exiting (or gone); nothing more will happen.
      Wait();
      return done();
    }
    // Sleeps until the process prints (or ends) or something changes in the folders; the
    // output is drained meanwhile so the process never blocks on a full pipe.
    pollfd p[2] = {{fd_, POLLIN, 0}, {watch.fd(), POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("poll failed");
    }
    if (p[0].revents != 0) ReadSome();
    if (p[1].revents != 0) watch.Drain();
  }
  return true;
}

void ChildProcess::Signal(int signal) {
  if (!reaped_) kill(pid_, signal);
}

bool ChildProcess::running() {
  if (reaped_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

int ChildProcess::Wait() {
  while (ReadSome()) {
  }
  if (!reaped_) {
    waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

}  // namespace faceswap::testing
