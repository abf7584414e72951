// Progress on stderr: "label  done/total  rate/s  ETA". Throttled; one line redrawn in place.
// In JSON mode (`--progress json`, for scripts) one JSON object per line instead, at most one a
// second, and a last one with "final": true (see ProgressJson).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace faceswap {

// kAuto: only when stderr is a terminal; kJson: JSON lines (whatever stderr is).
enum class ProgressMode { kAuto, kOn, kOff, kJson };

// True when the human-readable line is shown (kOn, or kAuto on a terminal).
bool ProgressEnabled(ProgressMode mode);

// One JSON progress line (no newline): {"progress": label, "unit", "done", "total" (-1 =
// unknown), "rate" (units/s), "elapsed_s", "eta_s" (-1 = unknown), "final"}.
std::string ProgressJson(const std::string& label, const std::string& unit, int64_t done,
                         int64_t total, double rate, double elapsed_s, double eta_s, bool final);

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
  std::string JsonLine(bool final) const;
  double Elapsed() const;
  std::string label_, unit_;
  int64_t total_;
  bool enabled_;
  bool json_;
  bool finished_ = false;
  int64_t done_ = 0;
  Clock::time_point start_, last_print_;
  mutable std::mutex mutex_;
};

}  // namespace faceswap
