#include "pipeline/progress.h"

#include <unistd.h>

#include <cstdio>

namespace faceswap {

bool ProgressEnabled(ProgressMode mode) {
  if (mode == ProgressMode::kOn) return true;
  if (mode == ProgressMode::kOff) return false;
  return isatty(STDERR_FILENO) == 1;
}

std::string FormatDuration(double seconds) {
  if (!(seconds >= 0) || seconds > 360000) return "--:--";
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

Progress::Progress(std::string label, int64_t total, ProgressMode mode, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(ProgressEnabled(mode)),
      start_(Clock::now()),
      last_print_(start_) {}

Progress::~Progress() { Finish(); }

double Progress::Rate() const {
  const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
  return secs > 0 ? static_cast<double>(done_) / secs : 0.0;
}

std::string Progress::Line() const {
  const double rate = Rate();
  char buf[256];
  if (total_ > 0) {
    const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : -1;
    std::snprintf(buf, sizeof buf, "%s %lld/%lld %s (%.0f%%)  %.1f %s/s  ETA %s", label_.c_str(),
                  static_cast<long long>(done_), static_cast<long long>(total_), unit_.c_str(),
                  100.0 * static_cast<double>(done_) / static_cast<double>(total_), rate,
                  unit_.c_str(), FormatDuration(eta).c_str());
  } else {
    std::snprintf(buf, sizeof buf, "%s %lld %s  %.1f %s/s", label_.c_str(),
                  static_cast<long long>(done_), unit_.c_str(), rate, unit_.c_str());
  }
  return buf;
}

void Progress::Add(int64_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  done_ += n;
  if (!enabled_) return;
  const auto now = Clock::now();
  if (now - last_print_ < std::chrono::milliseconds(250)) return;
  last_print_ = now;
  std::fprintf(stderr, "\r%s\033[K", Line().c_str());
  std::fflush(stderr);
}

void Progress::Finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  std::fprintf(stderr, "\r%s\033[K\n", Line().c_str());
  std::fflush(stderr);
}

}  // namespace faceswap
