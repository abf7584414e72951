#include "tests/testing/media_probe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "tests/testing/samples.h"

namespace faceswap::testing {
namespace {


std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string Probe(const std::string& args) {
  std::string out;
  const int rc = RunCommand("ffprobe -v error " + args, &out);
  if (rc != 0) ADD_FAILURE() << "ffprobe " << args << " failed (" << rc << "):\n" << out;
  return out;
}

}  // namespace

bool Ffmpeg(const std::string& args) {
  std::string out;
  const int rc = RunCommand("ffmpeg -nostdin -v error -y " + args, &out);
  if (rc != 0) ADD_FAILURE() << "ffmpeg " << args << " failed (" << rc << "):\n" << out;
  return rc == 0;
}

std::vector<double> ProbeFrameTimes(const std::string& path) {
  std::vector<double> times;
  for (const auto& line : Lines(Probe("-select_streams v:0 -show_entries "
                                      "frame=best_effort_timestamp_time -of csv=p=0 " +
                                      Quote(path)))) {
    times.push_back(line == "N/A" ? std::numeric_limits<double>::quiet_NaN() : std::stod(line));
  }
  return times;
}

std::map<std::string, std::string> ProbeStream(const std::string& path, const std::string& stream,
                                               bool count_frames) {
  std::map<std::string, std::string> entries;
  const std::string text =
      Probe((count_frames ? "-count_frames " : "") + std::string("-select_streams ") + stream +
            " -show_entries stream -of default=nw=1 " + Quote(path));
  for (const auto& line : Lines(text)) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) entries.emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  return entries;
}

std::map<std::string, std::string> ProbeFormatTags(const std::string& path) {
  std::map<std::string, std::string> tags;
  for (const auto& line :
       Lines(Probe("-show_entries format_tags -of default=nw=1 " + Quote(path)))) {
    const size_t eq = line.find('=');
    if (line.rfind("TAG:", 0) == 0 && eq != std::string::npos) {
      std::string key = line.substr(4, eq - 4);
      for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      tags.emplace(key, line.substr(eq + 1));
    }
  }
  return tags;
}

double ProbeStreamDuration(const std::string& path, const std::string& stream) {
  double first = std::numeric_limits<double>::max(), end = -1;
  for (const auto& line :
       Lines(Probe("-select_streams " + stream +
                   " -show_entries packet=pts_time,duration_time -of csv=p=0 " + Quote(path)))) {
    const size_t comma = line.find(',');
    if (comma == std::string::npos || line.compare(0, 3, "N/A") == 0) continue;
    const double pts = std::stod(line.substr(0, comma));
    const std::string dur = line.substr(comma + 1);
    first = std::min(first, pts);
    end = std::max(end, pts + (dur == "N/A" ? 0.0 : std::stod(dur)));
  }
  return end < 0 ? -1.0 : end - std::max(0.0, first);
}

std::string MakeDamagedClip(const std::string& dir) {
  const std::string src = SampleMedia("franck.mp4");
  if (src.empty()) return "";
  const std::string clean = dir + "/clean.mp4", damaged = dir + "/damaged.mp4";
  // moov at the end (ffmpeg's default): the middle of the file is frame data, not the index.
  if (!Ffmpeg("-i " + Quote(src) + " -frames:v " + std::to_string(kDamagedClipFrames) +
              " -an -c:v libx264 -preset veryfast -crf 18 -g 24 -keyint_min 24 -sc_threshold 0 " +
              Quote(clean))) {
    return "";
  }
  std::filesystem::copy_file(clean, damaged, std::filesystem::copy_options::overwrite_existing);
  const auto size = std::filesystem::file_size(damaged);
  std::mt19937 rng(1);
  std::string garbage(4096, '\0');
  for (char& c : garbage) c = static_cast<char>(rng() & 0xff);
  std::fstream file(damaged, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(size / 2));
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  if (!file) {
    ADD_FAILURE() << "cannot write garbage into " << damaged;
    return "";
  }
  return damaged;
}

}  // namespace faceswap::testing
