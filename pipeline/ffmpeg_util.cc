#include "pipeline/ffmpeg_util.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdarg>
#include <mutex>
#include <new>

extern "C" {
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
}

#include "base/check.h"

namespace faceswap::ffmpeg {
namespace {

thread_local std::string last_error;    // Last FFmpeg error line on this thread.
thread_local std::string partial_line;  // FFmpeg may log a line in several calls.
thread_local int print_prefix = 1;

void LogCallback(void* avcl, int level, const char* fmt, va_list vl) {
  const bool debug = spdlog::should_log(spdlog::level::debug);
  if (level > AV_LOG_ERROR && !(debug && level <= AV_LOG_WARNING)) return;
  char buf[1024];
  av_log_format_line2(avcl, level, fmt, vl, buf, sizeof buf, &print_prefix);
  partial_line += buf;
  if (partial_line.empty() || partial_line.back() != '\n') return;
  partial_line.pop_back();
  if (level <= AV_LOG_ERROR) {
    // Keep the message without the "[mov,mp4 @ 0x...] " context prefix.
    const size_t end_of_prefix = partial_line.rfind("] ");
    last_error =
        end_of_prefix == std::string::npos ? partial_line : partial_line.substr(end_of_prefix + 2);
  }
  spdlog::debug("ffmpeg: {}", partial_line);
  partial_line.clear();
}

}  // namespace

void OutputDeleter::operator()(AVFormatContext* c) const {
  if (c->pb && !(c->oformat->flags & AVFMT_NOFILE)) avio_closep(&c->pb);
  avformat_free_context(c);
}

FramePtr MakeFrame() {
  AVFrame* f = av_frame_alloc();
  if (!f) throw std::bad_alloc();
  return FramePtr(f);
}

PacketPtr MakePacket() {
  AVPacket* p = av_packet_alloc();
  if (!p) throw std::bad_alloc();
  return PacketPtr(p);
}

void InitLogging() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(LogCallback); });
}

void ClearLastError() { last_error.clear(); }

std::string ErrorString(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  if (av_strerror(code, buf, sizeof buf) < 0) return "error " + std::to_string(code);
  return buf;
}

void ThrowFfmpeg(const std::string& what, int code) {
  std::string message = what + ": " + ErrorString(code);
  if (!last_error.empty() && message.find(last_error) == std::string::npos) {
    message += " (" + last_error + ")";
  }
  last_error.clear();
  throw FatalError(message);
}

FormatInputPtr OpenInput(const std::string& path) {
  InitLogging();
  ClearLastError();
  AVFormatContext* raw = nullptr;
  if (int ret = avformat_open_input(&raw, path.c_str(), nullptr, nullptr); ret < 0) {
    ThrowFfmpeg("cannot open '" + path + "'", ret);
  }
  FormatInputPtr input(raw);
  if (int ret = avformat_find_stream_info(input.get(), nullptr); ret < 0) {
    ThrowFfmpeg("cannot read stream information of '" + path + "'", ret);
  }
  return input;
}

int SwsColorspace(int space, int height) {
  switch (space) {
    case AVCOL_SPC_BT709:
      return SWS_CS_ITU709;
    case AVCOL_SPC_FCC:
      return SWS_CS_FCC;
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M:
      return SWS_CS_ITU601;
    case AVCOL_SPC_SMPTE240M:
      return SWS_CS_SMPTE240M;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL:
      return SWS_CS_BT2020;
    default:
      return height >= 720 ? SWS_CS_ITU709 : SWS_CS_ITU601;
  }
}

int StreamRotation(const AVStream* stream) {
  const uint8_t* matrix = nullptr;
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 31, 100)
  const AVPacketSideData* sd =
      av_packet_side_data_get(stream->codecpar->coded_side_data,
                              stream->codecpar->nb_coded_side_data, AV_PKT_DATA_DISPLAYMATRIX);
  if (sd) matrix = sd->data;
#else
  matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
#endif
  if (!matrix) return 0;
  // av_display_rotation_get() is counter-clockwise; we return the clockwise correction,
  // rounded to the nearest quarter turn (cmdutils.c get_rotation() does the same).
  const double ccw = av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
  if (std::isnan(ccw)) return 0;
  double theta = -std::round(ccw);
  theta -= 360 * std::floor(theta / 360 + 0.9 / 360);
  const int quarter = static_cast<int>(std::lround(theta / 90)) % 4;
  return quarter * 90;
}

}  // namespace faceswap::ffmpeg
