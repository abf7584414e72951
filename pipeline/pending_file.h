// Outputs are written under a temporary name next to their final name and renamed into
// place only when complete, so an error or an interruption never leaves a half-written
// file under the final name.
//
//   PendingFile file("out/clip.mp4");   // creates out/.clip.partial-a1b2c3.mp4, or throws
//   write(file.temp_path()) ...
//   file.Commit();                      // fsync + rename to out/clip.mp4
//   // destroyed without Commit(): the temporary file is removed
#pragma once

#include <cstddef>
#include <string>

namespace faceswap {

class PendingFile {
 public:
  // Throws FatalError naming the folder when it does not exist, is not a folder or is not
  // writable.
  explicit PendingFile(std::string final_path);
  ~PendingFile();
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;

  const std::string& temp_path() const { return temp_path_; }
  const std::string& final_path() const { return final_path_; }
  // Flushes the temporary file to disk (when `sync`) and renames it to the final name
  // (replacing an existing file atomically). Throws FatalError on failure.
  void Commit(bool sync = true);
  // Removes the temporary file now (idempotent).
  void Discard();

 private:
  std::string final_path_, temp_path_;
  bool done_ = false;
};

// Writes `size` bytes to `path` (created or truncated) with checked write(2)/close(2): a
// failed write or close (a full disk may show only at close) removes `path` and throws
// FatalError("cannot write <what>: <system's reason>"), e.g. what = "'out/x.png'" when `path`
// is that file's temporary name.
void WriteBytes(const std::string& path, const void* data, size_t size, const std::string& what);

// Throws FatalError("cannot write '<path>': output folder '<dir>' ...") unless the folder
// that would hold `path` exists and is a folder.
void CheckOutputFolder(const std::string& path);

}  // namespace faceswap
