// Progress on stderr: "label  done/total  rate/s  ETA". Throttled; one line redrawn in place.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace faceswap {

enum class ProgressMode { kAuto, kOn, kOff };  // kAuto: only when stderr is a terminal.

bool ProgressEnabled(ProgressMode mode);

// Formats seconds as H:MM:SS or M:SS.
std::string FormatDuration(double seconds);

class Progress {
 public:
  // total < 0: unknown (no ETA). unit: what is counted ("frames", "it").
  Progress(std::string label, int64_t total, ProgressMode mode, std::string unit = "frames");
  ~Progress();
  void Add(int64_t n);  // Thread-safe.
  void Finish();        // Prints the final line (when enabled); idempotent.
  int64_t done() const { return done_; }
  double Rate() const;  // Units per second since construction.
  // The line that would be printed now (for logs and tests).
  std::string Line() const;

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_, unit_;
  int64_t total_;
  bool enabled_;
  bool finished_ = false;
  int64_t done_ = 0;
  Clock::time_point start_, last_print_;
  mutable std::mutex mutex_;
};

}  // namespace faceswap
