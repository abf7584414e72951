#include "pipeline/audio_track.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

#include "base/check.h"

namespace faceswap {

using namespace ffmpeg;

namespace {

// Whether `codec` can be stream-copied into `format`. avformat_query_codec() alone is too
// generous for MP4/MOV: it accepts codecs the muxer then refuses (FLAC, Opus in MOV) or that
// few players read (Vorbis in MP4); those get AAC instead.
bool CanStreamCopy(const AVOutputFormat* format, AVCodecID codec) {
  if (avformat_query_codec(format, codec, FF_COMPLIANCE_NORMAL) != 1) return false;
  const std::string name = format->name;
  if (name != "mp4" && name != "mov") return true;
  switch (codec) {
    case AV_CODEC_ID_AAC:
    case AV_CODEC_ID_MP3:
    case AV_CODEC_ID_AC3:
    case AV_CODEC_ID_EAC3:
    case AV_CODEC_ID_ALAC:
      return true;
    case AV_CODEC_ID_OPUS:
      return name == "mp4";
    default:
      // PCM in MOV is standard QuickTime.
      return name == "mov" && avcodec_descriptor_get(codec) &&
             std::string(avcodec_descriptor_get(codec)->name).rfind("pcm_", 0) == 0;
  }
}

}  // namespace

struct AudioTrack::Impl {
  std::string source;
  AVFormatContext* out = nullptr;
  FormatInputPtr input;
  int in_index = -1;
  AVStream* in_stream = nullptr;
  AVStream* out_stream = nullptr;
  double ref_start = 0.0;            // Source video start (s): output time 0 before the offset.
  double offset = 0.0;               // Timestamp of the first written video frame.
  PacketPtr pending = MakePacket();  // Next source packet, not written yet.
  bool have_pending = false;
  bool source_done = false;

  // Re-encode path.
  bool reencode = false;
  CodecPtr decoder, encoder;
  SwrPtr swr;
  FifoPtr fifo;
  FramePtr decoded = MakeFrame();
  int64_t fifo_pos = std::numeric_limits<int64_t>::min();  // Output sample of fifo's first.
  int64_t next_out_pts = 0;

  double SourceSeconds(int64_t ts) const {
    return static_cast<double>(ts) * av_q2d(in_stream->time_base);
  }
  double OutSeconds(int64_t ts) const { return SourceSeconds(ts) - ref_start - offset; }
  // Steps of Create().
  bool SelectAudioStream();  // Sets in_index and in_stream; false if the source has no audio.
  void ReadVideoStart();     // Sets ref_start.
  void SetUpStreamCopy();
  void OpenDecoder();
  void OpenEncoder();     // AAC, and out_stream's parameters from it.
  void SetUpResampler();  // swr and fifo.
  bool ReadPacket();      // Fills `pending`; false at end of the source.
  void Mux(AVPacket* packet);
  void CopyUntil(double until, bool final_cut);
  void DecodeUntil(double until, bool final_cut);
  void DrainFifo(int64_t end_sample, bool flush);
  void EncodeFrame(AVFrame* frame);
  [[noreturn]] void Fail(const std::string& what, int code) {
    ThrowFfmpeg("cannot " + what + " the audio of '" + source + "'", code);
  }
};

std::unique_ptr<AudioTrack> AudioTrack::Create(const std::string& source, AVFormatContext* out) {
  auto impl = std::make_unique<Impl>();
  impl->source = source;
  impl->out = out;
  impl->input = OpenInput(source);
  if (!impl->SelectAudioStream()) return nullptr;
  impl->ReadVideoStart();

  const AVCodecParameters* par = impl->in_stream->codecpar;
  impl->out_stream = avformat_new_stream(out, nullptr);
  if (!impl->out_stream) throw std::bad_alloc();
  impl->reencode = !CanStreamCopy(out->oformat, par->codec_id);
  if (!impl->reencode) {
    impl->SetUpStreamCopy();
    spdlog::debug("audio: copying {} from '{}'", avcodec_get_name(par->codec_id), source);
    return std::unique_ptr<AudioTrack>(new AudioTrack(std::move(impl)));
  }

  impl->OpenDecoder();
  impl->OpenEncoder();
  impl->SetUpResampler();
  spdlog::debug("audio: re-encoding {} from '{}' to AAC ({} does not take it)",
                avcodec_get_name(par->codec_id), source, out->oformat->name);
  return std::unique_ptr<AudioTrack>(new AudioTrack(std::move(impl)));
}

bool AudioTrack::Impl::SelectAudioStream() {
  AVFormatContext* in = input.get();
  in_index = av_find_best_stream(in, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (in_index < 0) return false;
  in_stream = in->streams[in_index];
  for (unsigned i = 0; i < in->nb_streams; ++i) {
    AVStream* s = in->streams[i];
    if (static_cast<int>(i) != in_index) s->discard = AVDISCARD_ALL;
  }
  return true;
}

void AudioTrack::Impl::ReadVideoStart() {
  AVFormatContext* in = input.get();
  const int video = av_find_best_stream(in, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (video >= 0 && in->streams[video]->start_time != AV_NOPTS_VALUE) {
    ref_start =
        static_cast<double>(in->streams[video]->start_time) * av_q2d(in->streams[video]->time_base);
  }
}

void AudioTrack::Impl::SetUpStreamCopy() {
  const AVCodecParameters* par = in_stream->codecpar;
  if (int ret = avcodec_parameters_copy(out_stream->codecpar, par); ret < 0) {
    Fail("copy", ret);
  }
  out_stream->codecpar->codec_tag = 0;  // Let the output muxer pick its own tag.
  out_stream->time_base = in_stream->time_base;
  if (AVDictionaryEntry* lang = av_dict_get(in_stream->metadata, "language", nullptr, 0)) {
    av_dict_set(&out_stream->metadata, "language", lang->value, 0);
  }
}

void AudioTrack::Impl::OpenDecoder() {
  const AVCodecParameters* par = in_stream->codecpar;
  // Decoder for the source codec.
  const AVCodec* dec = avcodec_find_decoder(par->codec_id);
  if (!dec) {
    throw FatalError("cannot re-encode the audio of '" + source + "': no decoder for " +
                     avcodec_get_name(par->codec_id) + " (use --no-audio)");
  }
  decoder.reset(avcodec_alloc_context3(dec));
  if (int ret = avcodec_parameters_to_context(decoder.get(), par); ret < 0) {
    Fail("decode", ret);
  }
  decoder->pkt_timebase = in_stream->time_base;
  if (int ret = avcodec_open2(decoder.get(), dec, nullptr); ret < 0) {
    Fail("decode", ret);
  }
  AVCodecContext* d = decoder.get();
  if (d->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
    const int channels = d->ch_layout.nb_channels > 0 ? d->ch_layout.nb_channels : 2;
    av_channel_layout_uninit(&d->ch_layout);
    av_channel_layout_default(&d->ch_layout, channels);
  }
}

void AudioTrack::Impl::OpenEncoder() {
  const AVCodecContext* d = decoder.get();
  // AAC encoder: same rate when AAC supports it, else 48 kHz; same channel layout.
  const AVCodec* enc = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (!enc) throw FatalError("cannot re-encode the audio of '" + source + "': no AAC encoder");
  encoder.reset(avcodec_alloc_context3(enc));
  AVCodecContext* e = encoder.get();
  int rate = 48000;
  for (const int* r = enc->supported_samplerates; r && *r; ++r) {
    if (*r == d->sample_rate) rate = d->sample_rate;
  }
  e->sample_rate = rate;
  e->sample_fmt = AV_SAMPLE_FMT_FLTP;
  if (int ret = av_channel_layout_copy(&e->ch_layout, &d->ch_layout); ret < 0) {
    Fail("re-encode", ret);
  }
  e->bit_rate = std::min<int64_t>(64000LL * e->ch_layout.nb_channels, 384000);
  e->time_base = AVRational{1, rate};
  if (out->oformat->flags & AVFMT_GLOBALHEADER) e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (int ret = avcodec_open2(e, enc, nullptr); ret < 0) Fail("re-encode", ret);
  if (int ret = avcodec_parameters_from_context(out_stream->codecpar, e); ret < 0) {
    Fail("re-encode", ret);
  }
  out_stream->time_base = e->time_base;
}

void AudioTrack::Impl::SetUpResampler() {
  AVCodecContext* d = decoder.get();
  AVCodecContext* e = encoder.get();
  SwrContext* raw = nullptr;
  if (int ret = swr_alloc_set_opts2(&raw, &e->ch_layout, e->sample_fmt, e->sample_rate,
                                    &d->ch_layout, d->sample_fmt, d->sample_rate, 0, nullptr);
      ret < 0) {
    Fail("resample", ret);
  }
  swr.reset(raw);
  if (int ret = swr_init(raw); ret < 0) Fail("resample", ret);
  fifo.reset(av_audio_fifo_alloc(e->sample_fmt, e->ch_layout.nb_channels, 4096));
  if (!fifo) throw std::bad_alloc();
}

AudioTrack::AudioTrack(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AudioTrack::~AudioTrack() = default;

bool AudioTrack::reencoding() const { return impl_->reencode; }

void AudioTrack::SetOffset(double seconds) { impl_->offset = seconds; }

void AudioTrack::WriteUntil(double seconds) {
  if (impl_->reencode) {
    impl_->DecodeUntil(seconds, false);
  } else {
    impl_->CopyUntil(seconds, false);
  }
}

void AudioTrack::Finish(double end) {
  if (impl_->reencode) {
    impl_->DecodeUntil(end, true);
  } else {
    impl_->CopyUntil(end, true);
  }
}

bool AudioTrack::Impl::ReadPacket() {
  if (source_done) return false;
  for (;;) {
    av_packet_unref(pending.get());
    const int ret = av_read_frame(input.get(), pending.get());
    if (ret == AVERROR_EOF) {
      source_done = true;
      return false;
    }
    if (ret < 0) Fail("read", ret);
    if (pending->stream_index != in_index) continue;
    if (pending->pts == AV_NOPTS_VALUE) pending->pts = pending->dts;
    if (pending->pts == AV_NOPTS_VALUE) continue;  // Cannot place it in time.
    return true;
  }
}

void AudioTrack::Impl::Mux(AVPacket* packet) {
  packet->stream_index = out_stream->index;
  if (int ret = av_interleaved_write_frame(out, packet); ret < 0) {
    ThrowFfmpeg(std::string("cannot write audio to '") + out->url + "'", ret);
  }
}

void AudioTrack::Impl::CopyUntil(double until, bool final_cut) {
  const AVRational tb = in_stream->time_base;
  const int64_t shift = std::llround((ref_start + offset) / av_q2d(tb));
  for (;;) {
    if (!have_pending) {
      if (!ReadPacket()) return;
      have_pending = true;
    }
    const double start = OutSeconds(pending->pts);
    if (start >= until) return;
    have_pending = false;
    // Stream copy cannot split a packet. At the start: containers that take negative
    // timestamps (MP4/MOV, via an edit list) keep a packet overlapping the first frame, which
    // also keeps AAC's priming packet; others (MKV would shift every stream) drop it. At the
    // end: drop packets that would run more than half a packet past the last frame.
    const double length = pending->duration > 0 ? SourceSeconds(pending->duration) : 0.0;
    const bool negative_ok = out->oformat->flags & AVFMT_TS_NEGATIVE;
    if (negative_ok ? start + length < -1e-6 : start < -1e-6) continue;
    if (final_cut && length > 0 && start + 0.5 * length > until) {
      continue;
    }
    pending->pts -= shift;
    if (pending->dts != AV_NOPTS_VALUE) pending->dts -= shift;
    av_packet_rescale_ts(pending.get(), tb, out_stream->time_base);
    pending->pos = -1;
    Mux(pending.get());
  }
}

void AudioTrack::Impl::DecodeUntil(double until, bool final_cut) {
  const int rate = encoder->sample_rate;
  const int64_t until_sample = std::llround(until * rate);
  for (;;) {
    // Enough converted audio buffered to go past `until`?
    if (fifo_pos != std::numeric_limits<int64_t>::min() &&
        fifo_pos + av_audio_fifo_size(fifo.get()) >= until_sample) {
      break;
    }
    int ret = avcodec_receive_frame(decoder.get(), decoded.get());
    if (ret == AVERROR(EAGAIN)) {
      if (ReadPacket()) {
        ret = avcodec_send_packet(decoder.get(), pending.get());
        if (ret < 0 && ret != AVERROR_INVALIDDATA) Fail("decode", ret);
      } else {
        avcodec_send_packet(decoder.get(), nullptr);  // Drain.
      }
      continue;
    }
    if (ret == AVERROR_EOF) break;
    if (ret < 0) Fail("decode", ret);
    if (fifo_pos == std::numeric_limits<int64_t>::min()) {
      int64_t ts = decoded->best_effort_timestamp;
      if (ts == AV_NOPTS_VALUE) ts = decoded->pts;
      fifo_pos = ts == AV_NOPTS_VALUE ? 0 : std::llround(OutSeconds(ts) * rate);
    }
    // Resample into the FIFO (sample format / rate / layout of the encoder).
    const int max_out = swr_get_out_samples(swr.get(), decoded->nb_samples);
    if (max_out > 0) {
      if (av_audio_fifo_realloc(fifo.get(), av_audio_fifo_size(fifo.get()) + max_out) < 0) {
        throw std::bad_alloc();
      }
      FramePtr converted = MakeFrame();
      converted->format = encoder->sample_fmt;
      converted->sample_rate = rate;
      av_channel_layout_copy(&converted->ch_layout, &encoder->ch_layout);
      converted->nb_samples = max_out;
      if ((ret = av_frame_get_buffer(converted.get(), 0)) < 0) Fail("resample", ret);
      const int n =
          swr_convert(swr.get(), converted->data, max_out,
                      const_cast<const uint8_t**>(decoded->extended_data), decoded->nb_samples);
      if (n < 0) Fail("resample", n);
      av_audio_fifo_write(fifo.get(), reinterpret_cast<void**>(converted->data), n);
    }
    av_frame_unref(decoded.get());
    // Drop audio from before the first video frame (sample-accurate cut).
    if (fifo_pos < 0) {
      const int drop =
          static_cast<int>(std::min<int64_t>(-fifo_pos, av_audio_fifo_size(fifo.get())));
      av_audio_fifo_drain(fifo.get(), drop);
      fifo_pos += drop;
    }
  }
  if (fifo_pos == std::numeric_limits<int64_t>::min() || fifo_pos < 0) return;
  DrainFifo(until_sample, final_cut);
}

void AudioTrack::Impl::DrainFifo(int64_t end_sample, bool flush) {
  const int frame_size = encoder->frame_size > 0 ? encoder->frame_size : 1024;
  for (;;) {
    int64_t available = std::min<int64_t>(av_audio_fifo_size(fifo.get()), end_sample - fifo_pos);
    if (available <= 0 || (!flush && available < frame_size)) break;
    const int n = static_cast<int>(std::min<int64_t>(available, frame_size));
    FramePtr frame = MakeFrame();
    frame->format = encoder->sample_fmt;
    frame->sample_rate = encoder->sample_rate;
    av_channel_layout_copy(&frame->ch_layout, &encoder->ch_layout);
    frame->nb_samples = n;
    if (int ret = av_frame_get_buffer(frame.get(), 0); ret < 0) Fail("re-encode", ret);
    av_audio_fifo_read(fifo.get(), reinterpret_cast<void**>(frame->data), n);
    frame->pts = std::max(fifo_pos, next_out_pts);
    next_out_pts = frame->pts + n;
    fifo_pos += n;
    EncodeFrame(frame.get());
  }
  if (flush) EncodeFrame(nullptr);
}

void AudioTrack::Impl::EncodeFrame(AVFrame* frame) {
  int ret = avcodec_send_frame(encoder.get(), frame);
  if (ret < 0 && ret != AVERROR_EOF) Fail("re-encode", ret);
  PacketPtr packet = MakePacket();
  for (;;) {
    ret = avcodec_receive_packet(encoder.get(), packet.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    if (ret < 0) Fail("re-encode", ret);
    av_packet_rescale_ts(packet.get(), encoder->time_base, out_stream->time_base);
    Mux(packet.get());
  }
}

}  // namespace faceswap
