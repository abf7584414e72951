// The one atomic file write. Outputs are written under a temporary name in the folder of
// their final name and renamed into place only when complete, so an error, a kill or a full
// disk never leaves a half-written file under the final name.
//
//   PendingFile file("out/clip.mp4");   // creates out/.clip.partial-4242-a1b2c3.mp4, or throws
//   write(file.temp_path()) ...
//   file.Commit();                      // fsync + rename to out/clip.mp4
//   // destroyed without Commit(): the temporary file is removed
//
// Every temporary name (files and checkpoint folders) has one pattern,
// ".<stem>.partial-<pid>-<6 random>.<ext>": the extension stays (FFmpeg and OpenCV pick the
// format by it), the dot hides it, and the pid lets RemoveStaleTemps() tell a dead writer's
// leftover (a SIGKILL, a power cut) from a live writer's file.
#pragma once

#include <cstddef>
#include <functional>
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

// The whole atomic write of a file whose bytes are in memory: PendingFile, WriteBytes (what
// names the file in errors; "'<path>'" when empty) and Commit(sync). For many small files
// whose loss a later step detects (extract's face images), sync = false saves an fsync each.
void WriteFileAtomically(const std::string& path, const void* data, size_t size,
                         const std::string& what = "", bool sync = true);
inline void WriteFileAtomically(const std::string& path, const std::string& bytes,
                                const std::string& what = "", bool sync = true) {
  WriteFileAtomically(path, bytes.data(), bytes.size(), what, sync);
}

// Creates a new, empty temporary folder named by the pattern above for `final_path` (a
// folder that will be renamed into place, like a checkpoint) and returns its path.
std::string CreateTempFolder(const std::string& final_path);

// True for a name of the pattern above (a file name, not a path).
bool IsTempName(const std::string& name);

// Removes the temporary files and folders in `folder` whose writer process is gone. Writers
// that own a folder call it once when they start; a live process's files are kept.
void RemoveStaleTemps(const std::string& folder);

// Receives the bytes of a serialiser (e.g. torch::save's writer function): returns `size`.
using ByteSink = std::function<size_t(const void* data, size_t size)>;

// Creates or truncates `path` and lets `produce` write it through a ByteSink of checked
// write(2) calls, then fsyncs (when `sync`) and closes it. A failed write, sync or close (a
// full disk may show only at close) removes `path` and throws FatalError("cannot write
// <what>: <system's reason>"), e.g. what = "'out/x.png'" when `path` is that file's temporary
// name. After a failed write the sink still reports every byte as written, because
// LibTorch's zip writer throws from its destructor on a short write (that would abort).
// `data == nullptr` writes `size` zero bytes (LibTorch's padding).
void WriteStream(const std::string& path, const std::function<void(const ByteSink&)>& produce,
                 const std::string& what, bool sync = false);

// WriteStream of one buffer.
void WriteBytes(const std::string& path, const void* data, size_t size, const std::string& what,
                bool sync = false);

// Throws FatalError("cannot write '<path>': output folder '<dir>' ...") unless the folder
// that would hold `path` exists and is a folder.
void CheckOutputFolder(const std::string& path);

// The folder that holds `path` ("." for a bare file name).
std::string FolderOf(const std::string& path);

// fsync(2) of a file or folder (a folder: so a rename in it survives a power cut). Throws
// FatalError naming the path.
void SyncPath(const std::string& path);

}  // namespace faceswap
