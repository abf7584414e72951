// Fuzzes the video reader (VideoReader: FFmpeg demux + decode + swscale to BGR): opens the
// input and reads every frame. Seeds: short clips cut from the sample media with the ffmpeg
// program (mp4, mkv, ts, a tiny one; tools/fuzz.sh). Debian's FFmpeg libraries are not
// instrumented, so coverage guidance comes from our reader only; ASan still checks every
// access our code makes to FFmpeg's buffers and every frame we convert.
// Invariants: only FatalError, one line; frames are non-empty BGR with increasing indices
// (a frame lost to a decode error leaves a gap, see video_reader.h).
#include <spdlog/spdlog.h>

#include <cstdint>
#include <string>

#include "base/check.h"
#include "pipeline/video_reader.h"
#include "tests/fuzz/fuzz_util.h"

using namespace faceswap;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // FFmpeg's complaints about the inputs.
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::FuzzFile file("clip");
  const std::string& path = file.Write(data, size);
  try {
    VideoReader reader(path, {/*threads=*/1});
    Frame frame;
    int64_t previous = -1;
    while (reader.ReadFrame(frame)) {
      if (frame.index <= previous || frame.image.type() != CV_8UC3 || frame.image.empty()) {
        fuzz::Die("frame " + std::to_string(frame.index) + " (after " + std::to_string(previous) +
                  ") is not a later BGR frame");
      }
      previous = frame.index;
    }
  } catch (const FatalError& e) {
    fuzz::ExpectOneLine(e);
  }
  return 0;
}
