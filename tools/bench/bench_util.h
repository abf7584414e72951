// Shared by the benchmark programs: timers and the 720p test clip.
#pragma once

#include <string>

namespace faceswap::bench {

// CPU seconds used by this process so far (all threads), plus its finished children's
// (e.g. an ffmpeg run) when `children`.
double CpuSeconds(bool children = false);
// Wall clock in seconds (monotonic).
double Now();
// Writes the first `frames` frames of `source` scaled to 1280x720 (franck.mp4: 2.5x to
// 900x720, borders replicated) to `path` with our writer; returns `path`.
std::string Make720p(const std::string& source, const std::string& path, int frames);
// Runs a shell command; returns its exit status.
int Shell(const std::string& command);

}  // namespace faceswap::bench
