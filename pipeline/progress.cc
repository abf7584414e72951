#include "pipeline/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

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

std::string ProgressJson(const std::string& label, const std::string& unit, int64_t done,
                         int64_t total, double rate, double elapsed_s, double eta_s, bool final) {
  auto finite = [](double v, double fallback) { return v >= 0 && v < 1e12 ? v : fallback; };
  return nlohmann::ordered_json{{"progress", label},
                        {"unit", unit},
                        {"done", done},
                        {"total", total > 0 ? total : -1},
                        {"rate", finite(rate, 0.0)},
                        {"elapsed_s", finite(elapsed_s, 0.0)},
                        {"eta_s", finite(eta_s, -1.0)},
                        {"final", final}}
      .dump();
}

Progress::Progress(std::string label, int64_t total, ProgressMode mode, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(ProgressEnabled(mode)),
      json_(mode == ProgressMode::kJson),
      start_(Clock::now()),
      last_print_(start_) {}

Progress::~Progress() { Finish(); }

double Progress::Elapsed() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

double Progress::Rate() const {
  const double secs = Elapsed();
  return secs > 0 ? static_cast<double>(done_) / secs : 0.0;
}

std::string Progress::JsonLine(bool final) const {
  const double rate = Rate();
  const double eta =
      total_ > 0 && rate > 0 ? static_cast<double>(std::max<int64_t>(total_ - done_, 0)) / rate
                             : -1;
  return ProgressJson(label_, unit_, done_, total_, rate, Elapsed(), final ? 0 : eta, final);
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
  const auto now = Clock::now();
  if (json_) {
    if (now - last_print_ < std::chrono::seconds(1)) return;
    last_print_ = now;
    std::fprintf(stderr, "%s\n", JsonLine(false).c_str());
    std::fflush(stderr);
    return;
  }
  if (!enabled_) return;
  if (now - last_print_ < std::chrono::milliseconds(250)) return;
  last_print_ = now;
  std::fprintf(stderr, "\r%s\033[K", Line().c_str());
  std::fflush(stderr);
}

void Progress::Finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (json_) {
    std::fprintf(stderr, "%s\n", JsonLine(true).c_str());
    std::fflush(stderr);
    return;
  }
  if (!enabled_) return;
  std::fprintf(stderr, "\r%s\033[K\n", Line().c_str());
  std::fflush(stderr);
}

}  // namespace faceswap
