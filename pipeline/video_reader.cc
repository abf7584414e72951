// VideoReader: libavformat demuxing, libavcodec decoding (frame threads), libswscale to BGR.
#include "pipeline/video_reader.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <opencv2/core.hpp>

#include "pipeline/check.h"
#include "pipeline/ffmpeg_util.h"

extern "C" {
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
  int64_t bad_packets = 0;
  int64_t container_frames = 0;  // nb_frames from the container header, 0 if not stored.
  // BGR buffers handed out with frames; reused once every frame using one is gone (saves
  // the page faults of a fresh multi-megabyte allocation per frame).
  std::vector<cv::Mat> pool;
  cv::Mat AcquireBuffer(size_t bytes);
  // Conversion state cached across frames.
  int sws_w = 0, sws_h = 0, sws_fmt = -1, sws_cs = -1, sws_range = -1;

  void Open(const std::string& path);
  // Decodes the next frame into `frame`; false at end of stream.
  bool Decode();
  void StampFrame(Frame& out);
  void ConvertFrame(cv::Mat& image);
};

void VideoReader::Impl::Open(const std::string& path) {
  info.path = path;
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
  AVStream* stream = input->streams[stream_index];
  // Drop every other stream at the demuxer level: less work per packet.
  for (unsigned i = 0; i < input->nb_streams; ++i) {
    if (static_cast<int>(i) != stream_index) input->streams[i]->discard = AVDISCARD_ALL;
    if (input->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) info.has_audio = true;
  }

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
  info.time_base_num = time_base.num;
  info.time_base_den = time_base.den;
  info.codec = codec->name;
  info.rotation = StreamRotation(stream);
  const bool swap = info.rotation == 90 || info.rotation == 270;
  info.width = swap ? stream->codecpar->height : stream->codecpar->width;
  info.height = swap ? stream->codecpar->width : stream->codecpar->height;
  if (info.width <= 0 || info.height <= 0) {
    throw FatalError("cannot read video '" + path + "': unknown frame size");
  }
}

bool VideoReader::Impl::Decode() {
  if (finished) return false;
  for (;;) {
    int ret = avcodec_receive_frame(decoder.get(), frame.get());
    if (ret >= 0) return true;
    if (ret == AVERROR_EOF) {
      finished = true;
      if (container_frames > 0 && next_index < container_frames) {
        spdlog::warn("'{}' ended after {} of the {} frames its container lists (damaged file?)",
                     info.path, next_index, container_frames);
      }
      return false;
    }
    if (ret != AVERROR(EAGAIN)) ThrowFfmpeg("cannot decode video '" + info.path + "'", ret);
    if (flushing) {
      // EAGAIN while draining should not happen; treat as end of stream.
      finished = true;
      return false;
    }
    // Feed the decoder one packet of our stream.
    for (;;) {
      av_packet_unref(packet.get());
      ret = av_read_frame(input.get(), packet.get());
      if (ret == AVERROR_EOF) {
        flushing = true;
        avcodec_send_packet(decoder.get(), nullptr);
        break;
      }
      if (ret < 0) ThrowFfmpeg("cannot read video '" + info.path + "'", ret);
      if (packet->stream_index != stream_index) continue;
      ret = avcodec_send_packet(decoder.get(), packet.get());
      if (ret == AVERROR_INVALIDDATA) {
        // A corrupt packet: skip it like the ffmpeg program does; the decoder conceals.
        if (bad_packets++ == 0) {
          spdlog::warn("'{}': corrupt video data near {:.3f} s, skipped", info.path,
                       static_cast<double>(packet->pts - start_pts) * av_q2d(time_base));
        }
        continue;
      }
      if (ret < 0 && ret != AVERROR(EAGAIN)) {
        ThrowFfmpeg("cannot decode video '" + info.path + "'", ret);
      }
      break;
    }
  }
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
  const int cs = SwsColorspace(frame->colorspace, h);
  const int full_range =
      frame->color_range == AVCOL_RANGE_JPEG || frame->format == AV_PIX_FMT_YUVJ420P ||
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
  av_frame_unref(impl_->frame.get());
  return true;
}

int64_t VideoReader::Skip(int64_t count) {
  int64_t skipped = 0;
  Frame unused;
  while (skipped < count && impl_->Decode()) {
    impl_->StampFrame(unused);
    av_frame_unref(impl_->frame.get());
    ++skipped;
  }
  return skipped;
}

StreamFormat VideoReader::Open() {
  const VideoInfo& i = impl_->info;
  StreamFormat format;
  format.width = i.width;
  format.height = i.height;
  format.fps = i.fps;
  format.frame_count = i.frame_count;
  format.time_base_num = i.time_base_num;
  format.time_base_den = i.time_base_den;
  format.source_path = i.path;
  return format;
}


}  // namespace faceswap
