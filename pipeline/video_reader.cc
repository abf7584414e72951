// VideoReader: libavformat demuxing, libavcodec decoding (frame threads), libswscale to BGR.
#include "pipeline/video_reader.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <opencv2/core.hpp>
#include <set>

#include "base/check.h"
#include "pipeline/ffmpeg_util.h"

extern "C" {
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

namespace faceswap {

using namespace ffmpeg;

struct VideoReader::Impl {
  VideoInfo info;
  VideoReaderOptions options;
  FormatInputPtr input;
  CodecPtr decoder;
  FramePtr frame = MakeFrame();
  PacketPtr packet = MakePacket();
  SwsPtr sws;
  int stream_index = -1;
  AVRational time_base{1, 1};
  int64_t start_pts = 0;  // Stream start_time (0 if unknown).
  int64_t next_index = 0;
  int64_t last_pts = AV_NOPTS_VALUE;
  int64_t frame_step = 1;  // Nominal frame duration in time_base units.
  bool flushing = false;   // Demuxer exhausted, decoder being drained.
  bool finished = false;
  // Lost frames (header comment). Every packet sent to the decoder leaves its pts here until
  // a decoded frame carries it; pts below a decoded frame's were never output: lost frames,
  // which take their index in presentation order whatever the decoder's threading or
  // reordering. Packets without pts (raw streams) turn this off: errors are then counted.
  std::multiset<int64_t> pending_pts;
  bool track_pts = true;
  int64_t frames_out = 0;     // Frames decoded.
  int64_t decode_errors = 0;  // Packets the decoder rejected.
  int last_decode_error = 0;
  int64_t lost = 0;            // Frames reported lost.
  int64_t read_error_run = 0;  // Consecutive failed demuxer reads.
  int last_read_error = 0;
  double last_read_time = 0.0;  // Timestamp of the last packet read well.
  int64_t last_matched_pts = AV_NOPTS_VALUE;
  bool held = false;             // `frame` holds a decoded frame Skip() did not drop.
  int64_t container_frames = 0;  // nb_frames from the container header, 0 if not stored.
  // BGR buffers handed out with frames; reused once every frame using one is gone (saves
  // the page faults of a fresh multi-megabyte allocation per frame).
  std::vector<cv::Mat> pool;
  cv::Mat AcquireBuffer(size_t bytes);
  // Conversion state cached across frames.
  int sws_w = 0, sws_h = 0, sws_fmt = -1, sws_cs = -1, sws_range = -1;
  // Frames also carry their decoded planes (Frame::source_yuv) when the stream is 8-bit
  // 4:2:0 in BT.601 or BT.709, unrotated: the StreamFormat's yuv_colorspace, else -1.
  int yuv_colorspace = -1;
  int yuv_sws_cs = -1;
  bool yuv_full_range = false;

  void Open(const std::string& path);
  // Steps of Open(), in the order it takes them.
  void OpenFile();                   // Opens info.path and reads its stream info.
  const AVCodec* FindVideoStream();  // Sets stream_index; returns its decoder.
  void OpenDecoder(const AVCodec* codec, const AVStream* stream);
  void ReadTiming(const AVStream* stream);  // Time base, rate, duration, frame count.
  void ReadFrameSize(const AVStream* stream);
  void ReadYuvFormat(const AVCodecParameters* par);  // yuv_* members.
  void CheckIndexInFile(AVStream* stream);           // Throws if the file is truncated.
  // Decodes the next frame into `frame`; false at end of stream.
  bool Decode();
  void EndOfStream();    // The decoder is drained: final lost-frame accounting.
  void FeedPacket();     // Feeds the decoder one packet of our stream (or the flush at EOF).
  void StartFlushing();  // At the demuxer's end.
  bool SendPacket();     // Sends `packet`; false: the decoder rejected it, read another.
  double Seconds(int64_t pts) const {
    return static_cast<double>(pts - start_pts) * av_q2d(time_base);
  }
  void DecodeFailed(int ret, int64_t pts);  // Counts a rejected packet; throws if hopeless.
  bool MatchFrame();  // Lost-frame accounting for a decoded frame; false: drop it.
  void FrameLost(int64_t pts);
  void StampFrame(Frame& out);
  void ConvertFrame(cv::Mat& image);
  void KeepPlanes(Frame& out);
};

void VideoReader::Impl::Open(const std::string& path) {
  info.path = path;
  OpenFile();
  const AVCodec* codec = FindVideoStream();
  AVStream* stream = input->streams[stream_index];
  OpenDecoder(codec, stream);
  ReadTiming(stream);
  info.time_base_num = time_base.num;
  info.time_base_den = time_base.den;
  info.codec = codec->name;
  ReadFrameSize(stream);
  ReadYuvFormat(stream->codecpar);
  CheckIndexInFile(stream);
}

void VideoReader::Impl::OpenFile() {
  const std::string& path = info.path;
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec) && std::filesystem::file_size(path, ec) == 0) {
    throw FatalError("cannot open video '" + path + "': the file is empty (0 bytes)");
  }
  ClearLastError();
  AVFormatContext* raw = nullptr;
  if (int ret = avformat_open_input(&raw, path.c_str(), nullptr, nullptr); ret < 0) {
    ThrowFfmpeg("cannot open video '" + path + "'", ret);
  }
  input.reset(raw);
  if (int ret = avformat_find_stream_info(input.get(), nullptr); ret < 0) {
    ThrowFfmpeg("cannot read video '" + path + "'", ret);
  }
}

const AVCodec* VideoReader::Impl::FindVideoStream() {
  const std::string& path = info.path;
  const AVCodec* codec = nullptr;
  stream_index = av_find_best_stream(input.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (stream_index == AVERROR_STREAM_NOT_FOUND) {
    throw FatalError("cannot read video '" + path + "': no video stream in the file");
  }
  if (stream_index < 0 || !codec) {
    const AVStream* any = input->nb_streams ? input->streams[0] : nullptr;
    const char* name = any ? avcodec_get_name(any->codecpar->codec_id) : "?";
    throw FatalError("cannot read video '" + path + "': no decoder for its video codec (" + name +
                     ")");
  }
  // Drop every other stream at the demuxer level: less work per packet.
  for (unsigned i = 0; i < input->nb_streams; ++i) {
    if (static_cast<int>(i) != stream_index) input->streams[i]->discard = AVDISCARD_ALL;
    if (input->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) info.has_audio = true;
  }
  return codec;
}

void VideoReader::Impl::OpenDecoder(const AVCodec* codec, const AVStream* stream) {
  const std::string& path = info.path;
  decoder.reset(avcodec_alloc_context3(codec));
  if (!decoder) throw std::bad_alloc();
  if (int ret = avcodec_parameters_to_context(decoder.get(), stream->codecpar); ret < 0) {
    ThrowFfmpeg("cannot read video '" + path + "'", ret);
  }
  decoder->pkt_timebase = stream->time_base;
  decoder->thread_count = options.threads;  // 0: one per core.
  decoder->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  if (int ret = avcodec_open2(decoder.get(), codec, nullptr); ret < 0) {
    ThrowFfmpeg("cannot open the " + std::string(codec->name) + " decoder for '" + path + "'", ret);
  }
}

void VideoReader::Impl::ReadTiming(const AVStream* stream) {
  time_base = stream->time_base;
  start_pts = stream->start_time == AV_NOPTS_VALUE ? 0 : stream->start_time;
  AVRational rate = stream->avg_frame_rate;
  if (rate.num <= 0 || rate.den <= 0) rate = stream->r_frame_rate;
  info.fps = (rate.num > 0 && rate.den > 0) ? av_q2d(rate) : 0.0;
  if (info.fps > 0) {
    frame_step = std::max<int64_t>(1, av_rescale_q(1, av_inv_q(rate), time_base));
  }
  if (stream->duration != AV_NOPTS_VALUE) {
    info.duration = static_cast<double>(stream->duration) * av_q2d(time_base);
  } else if (input->duration != AV_NOPTS_VALUE) {
    info.duration = static_cast<double>(input->duration) / AV_TIME_BASE;
  }
  if (stream->nb_frames > 0) {
    info.frame_count = container_frames = stream->nb_frames;
  } else if (info.duration > 0 && info.fps > 0) {
    info.frame_count = std::llround(info.duration * info.fps);
  }
}

void VideoReader::Impl::ReadFrameSize(const AVStream* stream) {
  info.rotation = StreamRotation(stream);
  const bool swap = info.rotation == 90 || info.rotation == 270;
  info.width = swap ? stream->codecpar->height : stream->codecpar->width;
  info.height = swap ? stream->codecpar->width : stream->codecpar->height;
  if (info.width <= 0 || info.height <= 0) {
    throw FatalError("cannot read video '" + info.path + "': unknown frame size");
  }
}

void VideoReader::Impl::ReadYuvFormat(const AVCodecParameters* par) {
  yuv_sws_cs = SwsColorspace(EnumValue(par->color_space), par->height);
  yuv_full_range = EnumValue(par->color_range) == AVCOL_RANGE_JPEG;
  if (par->format == AV_PIX_FMT_YUV420P && info.rotation == 0 && par->width % 2 == 0 &&
      par->height % 2 == 0 && (yuv_sws_cs == SWS_CS_ITU601 || yuv_sws_cs == SWS_CS_ITU709)) {
    yuv_colorspace = yuv_sws_cs == SWS_CS_ITU709 ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M;
  }
}

void VideoReader::Impl::CheckIndexInFile(AVStream* stream) {
  // A container with a full sample index (MP4/MOV) tells a cut-off file at once: frame data
  // listed past the end of the file.
  const int entries = avformat_index_get_entries_count(stream);
  const int64_t file_size = input->pb ? avio_size(input->pb) : -1;
  if (entries > 0 && file_size > 0) {
    int64_t missing = 0;
    int64_t first_missing_ts = AV_NOPTS_VALUE;
    for (int i = 0; i < entries; ++i) {
      const AVIndexEntry* e = avformat_index_get_entry(stream, i);
      if (e && e->pos + e->size > file_size) {
        if (missing++ == 0) first_missing_ts = e->timestamp;
      }
    }
    if (missing > 0) {
      throw FatalError(fmt::format(
          "cannot read video '{}': the file is truncated ({} of its {} frames lie past its end, "
          "from {:.1f} s on)",
          info.path, missing, entries,
          first_missing_ts == AV_NOPTS_VALUE ? 0.0 : Seconds(first_missing_ts)));
    }
  }
}

// Warnings name at most this many lost frames one by one; the total comes at the end.
constexpr int64_t kMaxLostWarnings = 20;
// A file that decodes no frame in this many packets, or whose demuxer fails this many reads
// in a row, is not worth reading on.
constexpr int64_t kMaxErrorsBeforeFirstFrame = 200;
constexpr int64_t kMaxReadErrorRun = 1000;

void VideoReader::Impl::FrameLost(int64_t pts) {
  // Without any decode error, a packet that shows no frame is legitimate (e.g. VP8's hidden
  // alt-ref frames): no index is spent on it.
  if (decode_errors == 0) return;
  const int64_t index = next_index++;
  if (++lost <= kMaxLostWarnings) {
    spdlog::warn("'{}': frame {} ({:.1f} s): decode error, skipped", info.path, index,
                 Seconds(pts));
  } else if (lost == kMaxLostWarnings + 1) {
    spdlog::warn("'{}': more frames lost to decode errors (not listed; total at the end)",
                 info.path);
  }
}

void VideoReader::Impl::DecodeFailed(int ret, int64_t pts) {
  if (ret == AVERROR(ENOMEM)) ThrowFfmpeg("cannot decode video '" + info.path + "'", ret);
  ++decode_errors;
  last_decode_error = ret;
  spdlog::debug("'{}': decoder rejected data: {}", info.path, ErrorString(ret));
  if (frames_out == 0 && decode_errors >= kMaxErrorsBeforeFirstFrame) {
    ThrowFfmpeg("cannot decode video '" + info.path + "': no frame decodes (" +
                    std::to_string(decode_errors) + " errors)",
                ret);
  }
  if (!track_pts) {
    // No pts to place the loss: count it where it happened.
    if (++lost <= kMaxLostWarnings) {
      spdlog::warn("'{}': frame near {} ({:.1f} s): decode error, skipped", info.path, next_index,
                   pts == AV_NOPTS_VALUE ? last_read_time : Seconds(pts));
    }
  }
}

bool VideoReader::Impl::MatchFrame() {
  if (!track_pts) {
    ++frames_out;
    return true;
  }
  const auto it = frame->pts == AV_NOPTS_VALUE ? pending_pts.end() : pending_pts.find(frame->pts);
  if (it == pending_pts.end()) {
    if (decode_errors > 0 && frame->pts != AV_NOPTS_VALUE && last_matched_pts != AV_NOPTS_VALUE &&
        frame->pts < last_matched_pts) {
      // Out of order after damage (h264 can output a concealed frame late): it was already
      // counted lost when a later frame came; dropping it keeps frames in order.
      return false;
    }
    // A frame whose pts no packet had: the decoder makes its own timing; stop tracking.
    track_pts = false;
    pending_pts.clear();
    ++frames_out;
    return true;
  }
  for (auto below = pending_pts.begin(); below != it; below = pending_pts.erase(below)) {
    FrameLost(*below);
  }
  pending_pts.erase(it);
  last_matched_pts = frame->pts;
  ++frames_out;
  return true;
}

bool VideoReader::Impl::Decode() {
  if (held) {
    held = false;
    return true;
  }
  if (finished) return false;
  int64_t receive_errors = 0;  // In a row without new input (a stuck decoder).
  for (;;) {
    int ret = avcodec_receive_frame(decoder.get(), frame.get());
    if (ret >= 0) {
      if (MatchFrame()) return true;
      av_frame_unref(frame.get());  // Came too late: its index went to a lost frame.
      continue;
    }
    if (ret == AVERROR_EOF) {
      EndOfStream();
      return false;
    }
    if (ret != AVERROR(EAGAIN)) {
      // A frame that failed to decode (frame threads report it here); the decoder goes on.
      DecodeFailed(ret, AV_NOPTS_VALUE);
      if (++receive_errors > kMaxReadErrorRun) {
        ThrowFfmpeg("cannot decode video '" + info.path + "'", ret);
      }
      continue;
    }
    if (flushing) {
      // EAGAIN while draining should not happen; treat as end of stream.
      finished = true;
      return false;
    }
    FeedPacket();
    receive_errors = 0;
  }
}

void VideoReader::Impl::EndOfStream() {
  finished = true;
  for (int64_t pts : pending_pts) FrameLost(pts);  // Sent, never output.
  pending_pts.clear();
  if (frames_out == 0 && decode_errors > 0) {
    ThrowFfmpeg("cannot decode video '" + info.path + "': no frame decodes", last_decode_error);
  }
  if (container_frames > 0 && next_index < container_frames) {
    spdlog::warn("'{}' ended after {} of the {} frames its container lists (damaged file?)",
                 info.path, next_index, container_frames);
  }
}

void VideoReader::Impl::FeedPacket() {
  for (;;) {
    av_packet_unref(packet.get());
    const int ret = av_read_frame(input.get(), packet.get());
    if (ret == AVERROR_EOF) {
      StartFlushing();
      return;
    }
    if (ret < 0) {
      // A damaged container record: skip it, unless every read up to the end fails.
      if (ret == AVERROR(ENOMEM) || ++read_error_run >= kMaxReadErrorRun) {
        ThrowFfmpeg("cannot read video '" + info.path + "'", ret);
      }
      last_read_error = ret;
      continue;
    }
    if (packet->stream_index != stream_index) continue;
    if (SendPacket()) return;
  }
}

void VideoReader::Impl::StartFlushing() {
  if (read_error_run > 0) {
    // Reads failed from some point up to the end: the file is cut off, not damaged.
    ThrowFfmpeg("cannot read video '" + info.path + "': the file is truncated (its data " +
                    "stops after " + fmt::format("{:.1f}", last_read_time) + " s)",
                last_read_error);
  }
  flushing = true;
  avcodec_send_packet(decoder.get(), nullptr);
}

bool VideoReader::Impl::SendPacket() {
  if (read_error_run > 0) {
    // Unreadable packets mid-file: their frames are lost (index unknown).
    spdlog::warn("'{}': {} unreadable packet{} before {:.1f} s, skipped", info.path, read_error_run,
                 read_error_run == 1 ? "" : "s", last_read_time);
    lost += read_error_run;
    read_error_run = 0;
  }
  if (packet->pts != AV_NOPTS_VALUE) last_read_time = Seconds(packet->pts);
  if (!(packet->flags & AV_PKT_FLAG_DISCARD) && track_pts) {
    if (packet->pts == AV_NOPTS_VALUE) {
      track_pts = false;
      pending_pts.clear();
    } else {
      pending_pts.insert(packet->pts);
    }
  }
  const int ret = avcodec_send_packet(decoder.get(), packet.get());
  if (ret < 0 && ret != AVERROR(EAGAIN)) {
    // A corrupt packet: skip it like the ffmpeg program does (its pts stays pending and
    // becomes a lost frame once a later frame decodes).
    DecodeFailed(ret, packet->pts);
    return false;
  }
  return true;
}

void VideoReader::Impl::StampFrame(Frame& out) {
  int64_t pts = frame->best_effort_timestamp;
  if (pts == AV_NOPTS_VALUE) pts = frame->pts;
  if (pts == AV_NOPTS_VALUE) pts = last_pts == AV_NOPTS_VALUE ? start_pts : last_pts + frame_step;
  last_pts = pts;
  out.index = next_index++;
  out.pts = pts;
  out.timestamp = static_cast<double>(pts - start_pts) * av_q2d(time_base);
  out.name.clear();
  out.faces.clear();
  out.passthrough = false;
}

cv::Mat VideoReader::Impl::AcquireBuffer(size_t bytes) {
  constexpr size_t kMaxPooled = 64;  // Bounded by the frames in flight in practice.
  for (cv::Mat& buffer : pool) {
    // Only the pool still refers to it (atomic read: consumers release on other threads).
    if (buffer.total() == bytes && CV_XADD(&buffer.u->refcount, 0) == 1) return buffer;
  }
  cv::Mat buffer(static_cast<int>(bytes), 1, CV_8UC1);
  if (pool.size() < kMaxPooled) {
    pool.push_back(buffer);
  } else {
    // Frame size changed or more frames in flight than pooled: drop idle buffers.
    pool.erase(std::remove_if(pool.begin(), pool.end(),
                              [](cv::Mat& m) { return CV_XADD(&m.u->refcount, 0) == 1; }),
               pool.end());
  }
  return buffer;
}

void VideoReader::Impl::ConvertFrame(cv::Mat& image) {
  const int w = frame->width, h = frame->height;
  // FFmpeg copies the stream's colour-matrix code as is (255 in a damaged H.264 header).
  const int cs = SwsColorspace(EnumValue(frame->colorspace), h);
  const int full_range =
      EnumValue(frame->color_range) == AVCOL_RANGE_JPEG || frame->format == AV_PIX_FMT_YUVJ420P ||
      frame->format == AV_PIX_FMT_YUVJ422P || frame->format == AV_PIX_FMT_YUVJ444P;
  if (!sws || w != sws_w || h != sws_h || frame->format != sws_fmt || cs != sws_cs ||
      full_range != sws_range) {
    // Same size in and out: swscale takes its unscaled (SIMD) converters; the flag only
    // picks the chroma filter.
    sws.reset(sws_getContext(w, h, static_cast<AVPixelFormat>(frame->format), w, h,
                             AV_PIX_FMT_BGR24, SWS_BILINEAR, nullptr, nullptr, nullptr));
    if (!sws) {
      throw FatalError("cannot convert video '" + info.path + "': unsupported pixel format " +
                       std::string(av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame->format))));
    }
    const int* coeffs = sws_getCoefficients(cs);
    sws_setColorspaceDetails(sws.get(), coeffs, full_range, sws_getCoefficients(SWS_CS_DEFAULT), 1,
                             0, 1 << 16, 1 << 16);
    sws_w = w, sws_h = h, sws_fmt = frame->format, sws_cs = cs, sws_range = full_range;
  }
  // swscale's SIMD converters write whole blocks of pixels, past the end of a row whose
  // width is not a multiple of the block: give the last row slack so they stay inside our
  // buffer, and keep the image continuous (rows back to back).
  constexpr int kSlackBytes = 256;
  cv::Mat storage = AcquireBuffer(static_cast<size_t>(h) * w * 3 + kSlackBytes);
  cv::Mat bgr = storage.rowRange(0, h * w * 3).reshape(3, h);
  uint8_t* dst[4] = {bgr.data, nullptr, nullptr, nullptr};
  int dst_stride[4] = {static_cast<int>(bgr.step[0]), 0, 0, 0};
  sws_scale(sws.get(), frame->data, frame->linesize, 0, h, dst, dst_stride);
  switch (info.rotation) {
    case 90:
      cv::rotate(bgr, image, cv::ROTATE_90_CLOCKWISE);
      break;
    case 180:
      cv::rotate(bgr, image, cv::ROTATE_180);
      break;
    case 270:
      cv::rotate(bgr, image, cv::ROTATE_90_COUNTERCLOCKWISE);
      break;
    default:
      image = bgr;
  }
}

// After ConvertFrame: sws_cs and sws_range are this frame's matrix and range.
void VideoReader::Impl::KeepPlanes(Frame& out) {
  out.source_yuv.release();
  const int w = frame->width, h = frame->height;
  // Only planes in the matrix and range announced by Open() (a stream may change them).
  if (yuv_colorspace < 0 || frame->format != AV_PIX_FMT_YUV420P || w != info.width ||
      h != info.height || sws_cs != yuv_sws_cs || (sws_range != 0) != yuv_full_range) {
    return;
  }
  cv::Mat planes = AcquireBuffer(static_cast<size_t>(w) * h * 3 / 2).reshape(1, h * 3 / 2);
  uint8_t* dst = planes.data;
  for (int p = 0; p < 3; ++p) {
    const int pw = p == 0 ? w : w / 2, ph = p == 0 ? h : h / 2;
    av_image_copy_plane(dst, pw, frame->data[p], frame->linesize[p], pw, ph);
    dst += static_cast<size_t>(pw) * ph;
  }
  out.source_yuv = planes;
}

VideoReader::VideoReader(const std::string& path, VideoReaderOptions options)
    : impl_(std::make_unique<Impl>()) {
  InitLogging();
  impl_->options = options;
  impl_->Open(path);
}

VideoReader::~VideoReader() = default;

const VideoInfo& VideoReader::info() const { return impl_->info; }

bool VideoReader::ReadFrame(Frame& frame) {
  if (!impl_->Decode()) return false;
  impl_->StampFrame(frame);
  impl_->ConvertFrame(frame.image);
  impl_->KeepPlanes(frame);
  av_frame_unref(impl_->frame.get());
  return true;
}

int64_t VideoReader::lost_frames() const { return impl_->lost; }

int64_t VideoReader::Skip(int64_t count) {
  // Counts indices, lost frames included, so that Skip(100) always stops before index 100.
  const int64_t target =
      count >= INT64_MAX - impl_->next_index ? INT64_MAX : impl_->next_index + count;
  int64_t skipped = 0;
  Frame unused;
  while (impl_->next_index < target && impl_->Decode()) {
    if (impl_->next_index >= target) {
      impl_->held = true;  // Lost frames took it past the range: ReadFrame returns it.
      break;
    }
    impl_->StampFrame(unused);
    av_frame_unref(impl_->frame.get());
    ++skipped;
  }
  return skipped;
}

StreamFormat VideoReader::Open() {
  StreamFormat format;
  format.stream() = impl_->info.stream();
  format.yuv_colorspace = impl_->yuv_colorspace;
  format.yuv_full_range = impl_->yuv_full_range;
  return format;
}


}  // namespace faceswap
