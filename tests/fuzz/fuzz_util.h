// Helpers shared by the libFuzzer targets of tests/fuzz (header-only, no library beyond
// the C++ standard library).
//
//   static FuzzFile file("alignments.json");       // /dev/shm/faceswap-fuzz-<pid>/...
//   const std::string& path = file.Write(data, size);
//   try { ReadAlignments(path); } catch (const FatalError& e) { ExpectOneLine(e); }
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace faceswap::fuzz {

// A broken invariant of a reader: print and abort, so libFuzzer keeps the input as a crash.
[[noreturn]] inline void Die(const std::string& message) {
  std::fprintf(stderr, "fuzz target: %s\n", message.c_str());
  std::abort();
}

// The fuzz input as a real file for readers that take a path. It lives in RAM (/dev/shm,
// else the temp folder), in a folder of its own per process, removed at exit.
class FuzzFile {
 public:
  explicit FuzzFile(const std::string& name) {
    namespace fs = std::filesystem;
    const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm")
                                                       : fs::temp_directory_path();
    dir_ = (base / ("faceswap-fuzz-" + std::to_string(::getpid()))).string();
    fs::create_directories(dir_);
    path_ = (fs::path(dir_) / name).string();
  }
  ~FuzzFile() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FuzzFile(const FuzzFile&) = delete;
  FuzzFile& operator=(const FuzzFile&) = delete;

  const std::string& Write(const uint8_t* data, size_t size) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) Die("cannot write the fuzz input to " + path_);
    return path_;
  }
  const std::string& dir() const { return dir_; }
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
};

// A reader's FatalError must be one line (it is printed as-is) and name something.
inline void ExpectOneLine(const std::exception& e) {
  const std::string what = e.what();
  if (what.empty() || what.find('\n') != std::string::npos) {
    Die("FatalError message is not one non-empty line: [" + what + "]");
  }
}

// Where to write seeds, when the target is run only to write them (tools/fuzz.sh sets
// FACESWAP_FUZZ_WRITE_SEEDS=<folder>); empty otherwise.
inline std::string SeedFolder() {
  const char* dir = std::getenv("FACESWAP_FUZZ_WRITE_SEEDS");
  return dir ? dir : "";
}

inline void WriteSeed(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) Die("cannot write seed " + path);
}

}  // namespace faceswap::fuzz
