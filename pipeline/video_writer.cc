// VideoWriter: libswscale BGR -> YUV, libavcodec encoding, libavformat muxing, audio from
// the source (audio_track.h), temp file renamed into place (pending_file.h).
#include "pipeline/video_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <set>

extern "C" {
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
}

#include "base/check.h"
#include "base/pending_file.h"
#include "pipeline/audio_track.h"
#include "pipeline/ffmpeg_util.h"
#include "pipeline/yuv_paste.h"

namespace faceswap {

using namespace ffmpeg;

namespace {

std::string LowerExtension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

// Muxer for each accepted extension.
const char* MuxerFor(const std::string& ext) {
  if (ext == ".mp4" || ext == ".m4v") return "mp4";
  if (ext == ".mov") return "mov";
  if (ext == ".mkv") return "matroska";
  return nullptr;
}

std::string ExtensionList() {
  std::string list;
  const auto& exts = VideoExtensions();
  for (size_t i = 0; i < exts.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == exts.size() ? " or " : ", ") + exts[i];
  }
  return list;
}

// Tags MP4/MOV store natively; any other key needs movflags=use_metadata_tags.
bool IsStandardMovTag(const std::string& key) {
  static const std::set<std::string> kTags = {
      "title", "author", "artist",   "album",        "comment", "copyright", "description",
      "genre", "date",   "composer", "album_artist", "encoder", "synopsis",  "grouping"};
  return kTags.count(key) > 0;
}

const std::vector<std::string> kX26xPresets = {"ultrafast", "superfast", "veryfast", "faster",
                                               "fast",      "medium",    "slow",     "slower",
                                               "veryslow",  "placebo"};

}  // namespace

const std::vector<std::string>& VideoExtensions() {
  static const std::vector<std::string> kExtensions = {".mp4", ".m4v", ".mov", ".mkv"};
  return kExtensions;
}

bool HasVideoExtension(const std::string& path) {
  return MuxerFor(LowerExtension(path)) != nullptr;
}

std::string VideoWriterOptions::Check() const {
  const AVCodec* encoder = avcodec_find_encoder_by_name(codec.c_str());
  OptionCheck check;
  check.That(encoder && encoder->type == AVMEDIA_TYPE_VIDEO,
             "invalid value " + codec +
                 " for option 'codec': expected an FFmpeg video encoder "
                 "such as libx264, libx265 or mpeg4");
  check.Range("crf", crf, 0, 51);
  if (codec == "libx264" || codec == "libx265") check.OneOf("preset", preset, kX26xPresets);
  check.That(av_get_pix_fmt(pix_fmt.c_str()) != AV_PIX_FMT_NONE,
             "invalid value " + pix_fmt + " for option 'pix-fmt': expected an FFmpeg pixel " +
                 "format such as yuv420p, yuv444p");
  check.Range("threads", threads, 0, 256);
  return check.Error();
}

struct VideoWriter::Impl {
  std::unique_ptr<PendingFile> file;  // Declared first: removed after the context closed.
  std::string path;
  VideoWriterOptions options;
  StreamFormat format;
  FormatOutputPtr output;
  CodecPtr encoder;
  AVStream* stream = nullptr;
  SwsPtr sws;
  bool opencv_i420 = false;  // BGR -> yuv420p by OpenCV (2x faster than swscale's path).
  cv::Mat i420;              // Its output: Y, U, V planes back to back.
  // Frames carrying their source's planes (Frame::source_yuv) are written from them, with
  // only the changed pixels converted (yuv_paste.h), in the source's matrix and range.
  bool keep_source = false;
  YuvMatrix matrix = YuvMatrix::kBt601;
  bool full_range = false;
  FramePtr yuv = MakeFrame();
  PacketPtr packet = MakePacket();
  std::unique_ptr<AudioTrack> audio;
  AVRational in_tb{1, 1};        // Time base of Frame::pts (and of the encoder).
  int64_t nominal_duration = 1;  // One frame at the nominal rate, in in_tb.
  int64_t frames = 0;
  int64_t first_pts = 0;
  int64_t last_in_pts = 0;
  int64_t last_out_pts = -1;
  double first_timestamp = 0.0;
  double end_seconds = 0.0;  // Output time where the last frame ends.
  bool finished = false;

  void Open();
  // Steps of Open(), in the order it takes them.
  const char* CheckedMuxer() const;  // The muxer for `path`'s extension; throws if none.
  void CheckFrameSize(const AVPixFmtDescriptor* desc) const;
  AVRational SetUpTiming();  // Sets in_tb and nominal_duration; returns the frame rate.
  void CreateOutput(const char* muxer);
  void OpenEncoder(AVPixelFormat pix_fmt, bool rgb, AVRational rate);
  void SetColorTags(AVPixelFormat pix_fmt, bool rgb);  // Encoder colour tags, keep_source.
  void AddVideoStream(AVRational rate);
  bool AddMetadata();  // True if a tag needs movflags=use_metadata_tags.
  void WriteHeader(bool custom_tags);
  void SetUpScaler(AVPixelFormat pix_fmt, bool rgb);
  void AllocateFrame(AVPixelFormat pix_fmt);
  void ConvertI420(const cv::Mat& image);
  void PasteOnSource(const Frame& frame);
  void Drain(bool flushing);
  [[noreturn]] void Fail(const std::string& what, int code) {
    ThrowFfmpeg("cannot " + what + " '" + path + "'", code);
  }
};

void VideoWriter::Impl::Open() {
  const char* muxer = CheckedMuxer();
  const AVPixelFormat pix_fmt = av_get_pix_fmt(options.pix_fmt.c_str());
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(pix_fmt);
  CheckFrameSize(desc);
  const AVRational rate = SetUpTiming();
  CreateOutput(muxer);
  const bool rgb = desc->flags & AV_PIX_FMT_FLAG_RGB;
  OpenEncoder(pix_fmt, rgb, rate);
  AddVideoStream(rate);
  if (!options.audio_source.empty()) {
    audio = AudioTrack::Create(options.audio_source, output.get());
  }
  const bool custom_tags = AddMetadata();
  WriteHeader(custom_tags);
  SetUpScaler(pix_fmt, rgb);
  AllocateFrame(pix_fmt);
}

const char* VideoWriter::Impl::CheckedMuxer() const {
  const std::string ext = LowerExtension(path);
  const char* muxer = MuxerFor(ext);
  if (!muxer) {
    throw FatalError("cannot write '" + path + "': unknown video extension '" + ext +
                     "' (expected " + ExtensionList() + ")");
  }
  return muxer;
}

void VideoWriter::Impl::CheckFrameSize(const AVPixFmtDescriptor* desc) const {
  if (format.width <= 0 || format.height <= 0) {
    throw FatalError("cannot write '" + path + "': invalid frame size " +
                     std::to_string(format.width) + "x" + std::to_string(format.height));
  }
  if ((format.width % (1 << desc->log2_chroma_w)) || (format.height % (1 << desc->log2_chroma_h))) {
    throw FatalError("cannot write '" + path + "': " + std::to_string(format.width) + "x" +
                     std::to_string(format.height) + " frames need even width and height for " +
                     options.pix_fmt + " (use pix-fmt yuv444p)");
  }
}

AVRational VideoWriter::Impl::SetUpTiming() {
  in_tb = AVRational{format.time_base_num, format.time_base_den};
  AVRational rate = format.fps > 0 ? av_d2q(format.fps, 100000) : AVRational{0, 1};
  if (in_tb.num <= 0 || in_tb.den <= 0) {
    if (rate.num <= 0) throw FatalError("cannot write '" + path + "': no time base or frame rate");
    in_tb = av_inv_q(rate);
  }
  if (rate.num <= 0) rate = AVRational{25, 1};
  nominal_duration = std::max<int64_t>(1, av_rescale_q(1, av_inv_q(rate), in_tb));
  return rate;
}

void VideoWriter::Impl::CreateOutput(const char* muxer) {
  file = std::make_unique<PendingFile>(path);
  // A killed earlier run's partial videos in this folder (their processes are gone).
  RemoveStaleTemps(FolderOf(path));
  AVFormatContext* raw = nullptr;
  if (int ret = avformat_alloc_output_context2(&raw, nullptr, muxer, file->temp_path().c_str());
      ret < 0) {
    Fail("create", ret);
  }
  output.reset(raw);
}

void VideoWriter::Impl::OpenEncoder(AVPixelFormat pix_fmt, bool rgb, AVRational rate) {
  const AVCodec* codec = avcodec_find_encoder_by_name(options.codec.c_str());
  encoder.reset(avcodec_alloc_context3(codec));
  if (!encoder) throw std::bad_alloc();
  AVCodecContext* e = encoder.get();
  e->width = format.width;
  e->height = format.height;
  e->pix_fmt = pix_fmt;
  e->time_base = in_tb;
  e->framerate = rate;
  e->sample_aspect_ratio = AVRational{1, 1};
  e->thread_count = options.threads;
  SetColorTags(pix_fmt, rgb);
  if (output->oformat->flags & AVFMT_GLOBALHEADER) e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  AVDictionary* codec_options = nullptr;
  av_dict_set_int(&codec_options, "crf", options.crf, 0);
  av_dict_set(&codec_options, "preset", options.preset.c_str(), 0);
  const int opened = avcodec_open2(e, codec, &codec_options);
  av_dict_free(&codec_options);
  if (opened < 0) Fail("open the " + options.codec + " encoder for", opened);
}

void VideoWriter::Impl::SetColorTags(AVPixelFormat pix_fmt, bool rgb) {
  AVCodecContext* e = encoder.get();
  keep_source = pix_fmt == AV_PIX_FMT_YUV420P && format.yuv_colorspace >= 0;
  if (keep_source) {
    // The source's tags, as the decoder read them: its untouched planes are written as they
    // are, and the changed pixels are converted with the same matrix.
    matrix = format.yuv_colorspace == AVCOL_SPC_BT709 ? YuvMatrix::kBt709 : YuvMatrix::kBt601;
    full_range = format.yuv_full_range;
    e->colorspace = static_cast<AVColorSpace>(format.yuv_colorspace);
    e->color_range = full_range ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
  } else if (!rgb) {
    // Always the BT.601 matrix, limited range, and tagged so: OpenCV's fast BGR -> I420
    // uses it, and the tag tells players (and our reader) how to convert back. Primaries and
    // transfer are left as the source had them (we do not convert those).
    e->colorspace = AVCOL_SPC_SMPTE170M;
    e->color_range = AVCOL_RANGE_MPEG;
  }
}

void VideoWriter::Impl::AddVideoStream(AVRational rate) {
  stream = avformat_new_stream(output.get(), nullptr);
  if (!stream) throw std::bad_alloc();
  if (int ret = avcodec_parameters_from_context(stream->codecpar, encoder.get()); ret < 0) {
    Fail("create", ret);
  }
  stream->time_base = in_tb;
  stream->avg_frame_rate = rate;
}

bool VideoWriter::Impl::AddMetadata() {
  bool custom_tags = false;
  for (const auto& [key, value] : options.metadata) {
    av_dict_set(&output->metadata, key.c_str(), value.c_str(), 0);
    custom_tags |= !IsStandardMovTag(key);
  }
  return custom_tags;
}

void VideoWriter::Impl::WriteHeader(bool custom_tags) {
  if (int ret = avio_open(&output->pb, file->temp_path().c_str(), AVIO_FLAG_WRITE); ret < 0) {
    Fail("write", ret);
  }
  AVDictionary* mux_options = nullptr;
  if (custom_tags) av_dict_set(&mux_options, "movflags", "+use_metadata_tags", 0);
  const int header = avformat_write_header(output.get(), &mux_options);
  av_dict_free(&mux_options);
  if (header < 0) Fail("write", header);
}

void VideoWriter::Impl::SetUpScaler(AVPixelFormat pix_fmt, bool rgb) {
  // BGR -> encoder format at the same size.
  sws.reset(sws_getContext(format.width, format.height, AV_PIX_FMT_BGR24, format.width,
                           format.height, pix_fmt, SWS_BILINEAR, nullptr, nullptr, nullptr));
  if (!sws) throw FatalError("cannot convert BGR frames to " + options.pix_fmt);
  if (!rgb) {
    const int* coeffs = sws_getCoefficients(SWS_CS_ITU601);
    sws_setColorspaceDetails(sws.get(), sws_getCoefficients(SWS_CS_DEFAULT), 1, coeffs, 0, 0,
                             1 << 16, 1 << 16);
  }
  opencv_i420 = pix_fmt == AV_PIX_FMT_YUV420P;
}

void VideoWriter::Impl::AllocateFrame(AVPixelFormat pix_fmt) {
  yuv->format = pix_fmt;
  yuv->width = format.width;
  yuv->height = format.height;
  if (int ret = av_frame_get_buffer(yuv.get(), 0); ret < 0) Fail("encode", ret);
}

void VideoWriter::Impl::ConvertI420(const cv::Mat& image) {
  // OpenCV's BGR -> I420 is BT.601 limited range, like the tag written in SetColorTags().
  cv::cvtColor(image, i420, cv::COLOR_BGR2YUV_I420);
  const int w = format.width, h = format.height;
  const uint8_t* plane = i420.data;
  for (int p = 0; p < 3; ++p) {
    const int pw = p == 0 ? w : w / 2, ph = p == 0 ? h : h / 2;
    av_image_copy_plane(yuv->data[p], yuv->linesize[p], plane, pw, pw, ph);
    plane += static_cast<size_t>(pw) * ph;
  }
}

void VideoWriter::Impl::PasteOnSource(const Frame& frame) {
  const int w = format.width, h = format.height;
  const YuvPlanes planes{yuv->data[0],     yuv->data[1],     yuv->data[2],
                         yuv->linesize[0], yuv->linesize[1], yuv->linesize[2]};
  const cv::Mat& src = frame.source_yuv;
  if (src.cols == w && src.rows == h * 3 / 2 && src.isContinuous()) {
    const uint8_t* plane = src.data;
    for (int p = 0; p < 3; ++p) {
      const int pw = p == 0 ? w : w / 2, ph = p == 0 ? h : h / 2;
      av_image_copy_plane(yuv->data[p], yuv->linesize[p], plane, pw, pw, ph);
      plane += static_cast<size_t>(pw) * ph;
    }
    if (!frame.changed.empty()) {
      PasteBgrIntoYuv420(frame.image, frame.changed, matrix, full_range, planes);
    }
  } else {
    // No planes of its own (another source): every pixel converted, in the tagged matrix.
    PasteBgrIntoYuv420(frame.image, cv::Mat(), matrix, full_range, planes);
  }
}

void VideoWriter::Impl::Drain(bool flushing) {
  for (;;) {
    const int ret = avcodec_receive_packet(encoder.get(), packet.get());
    if (ret == AVERROR(EAGAIN) || (flushing && ret == AVERROR_EOF)) return;
    if (ret < 0) Fail("encode", ret);
    if (packet->duration <= 0) packet->duration = nominal_duration;
    av_packet_rescale_ts(packet.get(), encoder->time_base, stream->time_base);
    packet->stream_index = stream->index;
    if (int w = av_interleaved_write_frame(output.get(), packet.get()); w < 0) Fail("write", w);
  }
}

VideoWriter::VideoWriter(const std::string& path, const StreamFormat& format,
                         VideoWriterOptions options)
    : impl_(std::make_unique<Impl>()) {
  InitLogging();
  ClearLastError();
  ThrowIfInvalid(options.Check());
  impl_->path = path;
  impl_->options = std::move(options);
  impl_->format = format;
  impl_->Open();
}

VideoWriter::~VideoWriter() {
  if (impl_ && !impl_->finished && impl_->file) {
    spdlog::debug("'{}' not finished: removing {}", impl_->path, impl_->file->temp_path());
  }
  // Members close the output context, then PendingFile removes the temporary file.
}

int64_t VideoWriter::frames_written() const { return impl_->frames; }
const std::string& VideoWriter::path() const { return impl_->path; }

void VideoWriter::Write(const Frame& frame) {
  Impl& m = *impl_;
  if (m.finished) throw std::logic_error("VideoWriter::Write after Finish");
  const cv::Mat& image = frame.image;
  if (image.type() != CV_8UC3 || image.cols != m.format.width || image.rows != m.format.height) {
    throw FatalError("cannot write frame " + std::to_string(frame.index) + " to '" + m.path +
                     "': it is " + std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                     " with " + std::to_string(image.channels()) + " channels, expected " +
                     std::to_string(m.format.width) + "x" + std::to_string(m.format.height) +
                     " BGR like the first frame");
  }
  if (m.frames == 0) {
    m.first_pts = frame.pts;
    m.first_timestamp = frame.timestamp;
    if (m.audio) m.audio->SetOffset(frame.timestamp);
  }
  // Frame timing is the source's: pts relative to the first frame written. The encoder
  // needs strictly increasing pts; a repeated or backwards pts is nudged forward.
  int64_t out_pts = frame.pts - m.first_pts;
  if (out_pts <= m.last_out_pts) out_pts = m.last_out_pts + 1;
  const int64_t step =
      m.frames > 0 && frame.pts > m.last_in_pts ? frame.pts - m.last_in_pts : m.nominal_duration;
  m.last_in_pts = frame.pts;
  m.last_out_pts = out_pts;

  if (int ret = av_frame_make_writable(m.yuv.get()); ret < 0) m.Fail("encode", ret);
  if (m.keep_source) {
    m.PasteOnSource(frame);
  } else if (m.opencv_i420) {
    m.ConvertI420(image);
  } else {
    const uint8_t* src[4] = {image.data, nullptr, nullptr, nullptr};
    const int src_stride[4] = {static_cast<int>(image.step[0]), 0, 0, 0};
    sws_scale(m.sws.get(), src, src_stride, 0, image.rows, m.yuv->data, m.yuv->linesize);
  }
  m.yuv->pts = out_pts;
  if (int ret = avcodec_send_frame(m.encoder.get(), m.yuv.get()); ret < 0) m.Fail("encode", ret);
  m.Drain(false);
  ++m.frames;

  const double t = static_cast<double>(out_pts) * av_q2d(m.in_tb);
  m.end_seconds = t + static_cast<double>(step) * av_q2d(m.in_tb);
  if (m.audio) m.audio->WriteUntil(t);
}

void VideoWriter::Finish() {
  Impl& m = *impl_;
  if (m.finished) return;
  if (m.frames == 0) throw FatalError("no frames to write to '" + m.path + "'");
  if (int ret = avcodec_send_frame(m.encoder.get(), nullptr); ret < 0) m.Fail("encode", ret);
  m.Drain(true);
  if (m.audio) m.audio->Finish(m.end_seconds);
  if (int ret = av_write_trailer(m.output.get()); ret < 0) m.Fail("write", ret);
  if (int ret = avio_closep(&m.output->pb); ret < 0) m.Fail("write", ret);
  m.file->Commit();
  m.finished = true;
  spdlog::debug("wrote {} frames to '{}'", m.frames, m.path);
}

}  // namespace faceswap
