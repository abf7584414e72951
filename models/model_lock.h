// One `train` per model folder: an advisory lock (flock) on <dir>/.lock, held while the
// object lives. The kernel drops a flock when its process dies, so the lock of a killed
// process is taken over by the next run, which says so (the file names the last holder's pid;
// a clean exit empties it). LibTorch-free (POSIX only).
//
//   ModelFolderLock lock(model_dir);   // FatalError if another live process trains there
#pragma once

#include <string>

namespace faceswap {

class ModelFolderLock {
 public:
  // Creates `dir` if needed. Throws FatalError naming the folder and the holder's pid when
  // another process holds the lock.
  explicit ModelFolderLock(const std::string& dir);
  ~ModelFolderLock();
  ModelFolderLock(const ModelFolderLock&) = delete;
  ModelFolderLock& operator=(const ModelFolderLock&) = delete;

  // Non-empty when the lock was left by a process that ended without releasing it.
  const std::string& stale_note() const { return stale_note_; }
  // True when the constructor created `dir` (the caller may remove it if nothing else came).
  bool created_folder() const { return created_folder_; }

 private:
  int fd_ = -1;
  std::string stale_note_;
  bool created_folder_ = false;
};

}  // namespace faceswap
