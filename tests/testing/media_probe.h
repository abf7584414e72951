// Independent measurements of media files with the ffprobe/ffmpeg programs (installed with
// FFmpeg), for tests that check our own reader and writer against them.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace faceswap::testing {

// Runs `ffmpeg -v error -y <args>`; fails the test (ADD_FAILURE) with its output on error.
bool Ffmpeg(const std::string& args);
// best_effort_timestamp_time of every frame of the first video stream, in seconds.
std::vector<double> ProbeFrameTimes(const std::string& path);
// Entries of one stream ("v:0", "a:0") as key -> value, e.g. "codec_name", "width",
// "start_time", "nb_read_frames" (when count_frames). Empty when the stream is missing.
std::map<std::string, std::string> ProbeStream(const std::string& path, const std::string& stream,
                                               bool count_frames = false);
// Tags of the container (format) as key -> value, keys in lower case (Matroska stores
// them in upper case).
std::map<std::string, std::string> ProbeFormatTags(const std::string& path);
// Duration of a stream from its packets: end of the last packet - start of the first
// (works for MKV, which stores no per-stream duration). -1 when the stream is missing.
double ProbeStreamDuration(const std::string& path, const std::string& stream);

// A damaged video for fault tests: the first kDamagedClipFrames frames of franck.mp4
// (360x288, 24 fps) re-encoded as H.264 with a keyframe every 24 frames into
// <dir>/clean.mp4, and a copy, <dir>/damaged.mp4, with 4 KB of (seeded, always the same)
// garbage written over the middle of its media data, so that a few frames around 5 s fail
// to decode and the rest decode as in the clean copy. Returns the damaged path ("" and a
// test failure when ffmpeg or the sample is missing).
constexpr int kDamagedClipFrames = 240;
std::string MakeDamagedClip(const std::string& dir);

}  // namespace faceswap::testing
