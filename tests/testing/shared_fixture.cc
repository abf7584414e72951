#include "tests/testing/shared_fixture.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace faceswap::testing {

namespace fs = std::filesystem;

namespace {

// Changes whenever `path` is rebuilt.
std::string FileKey(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  const auto time = fs::last_write_time(path, ec).time_since_epoch().count();
  return std::to_string(size) + ":" + std::to_string(time);
}

}  // namespace

std::string SharedFixture(const std::string& name, const std::string& binary,
                          const std::function<void(const std::string& dir)>& build) {
  // The recipe (`build`) lives in the test executable: a changed recipe with the same
  // `binary` must not reuse the old fixture (it did: a test kept a model trained by an
  // earlier version of its fixture).
  const std::string key = FileKey(binary) + "|" + FileKey("/proc/self/exe");
  const std::string prefix = "faceswap-fixture-" + name + "-" +
                             std::to_string(std::hash<std::string>{}(binary)) + "-";
  const fs::path dir =
      fs::temp_directory_path() / (prefix + std::to_string(std::hash<std::string>{}(key)));
  const std::string lock_path = dir.string() + ".lock";
  const int lock = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) {
    ADD_FAILURE() << "cannot lock " << lock_path;
    return dir.string();
  }
  if (!fs::exists(dir / ".complete")) {
    std::error_code ec;
    // Fixtures of older builds of this binary are of no further use.
    for (const auto& e : fs::directory_iterator(fs::temp_directory_path(), ec)) {
      const std::string n = e.path().filename().string();
      if (n.rfind(prefix, 0) == 0 && e.is_directory() && e.path() != dir) {
        fs::remove_all(e.path(), ec);
      }
    }
    fs::remove_all(dir, ec);
    fs::create_directories(dir);
    build(dir.string());
    if (::testing::Test::HasFatalFailure()) {
      fs::remove_all(dir, ec);
    } else {
      std::ofstream(dir / ".complete") << key << "\n";
    }
  }
  flock(lock, LOCK_UN);
  close(lock);
  return dir.string();
}

}  // namespace faceswap::testing
