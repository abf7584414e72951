// Small helpers shared by the FFmpeg-based readers and writers (internal to pipeline/).
//
//   FormatInputPtr input = ...;                       // RAII owners for FFmpeg objects
//   if (int ret = av_read_frame(...); ret < 0) ThrowFfmpeg("cannot read 'x.mp4'", ret);
//
// FFmpeg's own log output goes to spdlog at debug level (shown with -v) so that a failure
// prints one line; the last error it logged on this thread is appended to our messages
// (e.g. "Invalid data found when processing input (moov atom not found)").
#pragma once

#include <cstring>

#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

namespace faceswap::ffmpeg {

struct InputDeleter {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
// Output contexts: closes the AVIO handle (if open) and frees the context.
struct OutputDeleter {
  void operator()(AVFormatContext* c) const;
};
struct CodecDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsDeleter {
  void operator()(SwsContext* c) const { sws_freeContext(c); }
};
struct SwrDeleter {
  void operator()(SwrContext* c) const { swr_free(&c); }
};
struct FifoDeleter {
  void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
};

using FormatInputPtr = std::unique_ptr<AVFormatContext, InputDeleter>;
using FormatOutputPtr = std::unique_ptr<AVFormatContext, OutputDeleter>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;
using FifoPtr = std::unique_ptr<AVAudioFifo, FifoDeleter>;

FramePtr MakeFrame();  // Throws std::bad_alloc on failure.
PacketPtr MakePacket();

// Routes FFmpeg's log to spdlog (idempotent, thread-safe).
void InitLogging();
// Forgets the last FFmpeg error logged on this thread (call before an operation).
void ClearLastError();
// av_strerror text for an AVERROR code.
std::string ErrorString(int code);
// Throws FatalError("<what>: <av_strerror>[ (<last FFmpeg error line>)]").
[[noreturn]] void ThrowFfmpeg(const std::string& what, int code);

// Opens a media file for reading with stream info probed; throws FatalError naming it.
FormatInputPtr OpenInput(const std::string& path);

// The SWS_CS_* matrix for a colour space; unspecified -> BT.709 for HD (height >= 720),
// BT.601 otherwise (what players assume for untagged video).
int SwsColorspace(int space, int height);

// The stored value of an FFmpeg enum field as an int. A damaged file makes the demuxer store
// values outside the enum (a colour space of 252): loading them as the enum is undefined
// behaviour (UBSan stops the fuzzer on it); copying the bytes is not.
template <typename Enum>
int EnumValue(const Enum& field) {
  static_assert(sizeof(Enum) == sizeof(int), "FFmpeg enums are int-sized");
  int value = 0;
  std::memcpy(&value, &field, sizeof value);
  return value;
}

// Rotation in degrees clockwise (0, 90, 180, 270) that makes the stream's frames upright,
// from its display matrix side data (the same rule as the ffmpeg program's autorotate).
int StreamRotation(const AVStream* stream);

}  // namespace faceswap::ffmpeg
