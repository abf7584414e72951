// The one interface every plugin implements (detect, align, mask, color, blend, writers).
//
// Life cycle, driven by the Runner (stages never start threads):
//   auto stage = info.create(options);   // options already passed Check()
//   stage->Open(format);                 // once, before the first batch; may refine format
//   stage->Process(batch);               // repeatedly, batches in frame order per instance
//   stage->Close(tail);                  // once at end of stream; may emit held-back frames
// Process throws (FatalError) only for problems that must stop the run; a per-face outcome
// is data carried with the frame (a filter removes the face and counts it in
// Frame::faces_dropped). Frames marked passthrough are the framework's: stages that work on
// faces derive from FaceStage (or use ForEachFrame), which leaves them untouched.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/frame.h"

namespace faceswap {

// Fixed before the first batch: what the source delivers, and what the run asks of its
// stages. The runner hands each stage the format the previous one left, so a stage learns
// about the run only from here (and from its own options), never from a command writing its
// fields.
struct StreamFormat : VideoStream {  // VideoStream::frame_count: the frames to be delivered.
  // Frames in the whole input when frame_count counts only a range of them (FrameRange);
  // -1 = the same as frame_count.
  int64_t input_frame_count = -1;
  int face_size = 0;  // Edge of aligned crops in pixels (0 until an aligner sets it).
  bool stills = false;  // Unrelated pictures (image folder), not a moving sequence.
  // Frames carry Frame::source_yuv in this colour matrix (an AVColorSpace value: BT.709 or
  // SMPTE 170M) and range; -1 = they carry none.
  int yuv_colorspace = -1;
  bool yuv_full_range = false;

  // The run (set by the command before the first stage opens).
  std::string output;  // Where the run writes: extract's faces folder, convert's video
                       // file or image folder. Writers use it unless their options name one.
  bool crops = true;   // Stages downstream use Face::aligned; false: aligners skip them.
  // Set by a stage's Open: the fewest frames per batch it works with. A detector that follows
  // faces from frame to frame within a batch asks for --redetect-every; the runner then reads
  // batches of max(RunnerOptions::batch_size, this).
  int min_batch_frames = 1;
  // Container metadata for writers that support it (convert's "synthetic" tag).
  std::map<std::string, std::string> metadata;
  // Set by an aligner's Open: its landmark model, for stages that landmark reference photos
  // the same way (filter/faces).
  std::string landmark_model;

  // Short name of the input for output names: the file stem of a video, the folder's name
  // for an image folder ("" when no path).
  std::string SourceName() const;
};

// Maps an option field to a command-line flag / config key with help text.
// Implemented over CLI11 in tools/; stages only declare their fields.
class OptionBinder {
 public:
  virtual ~OptionBinder() = default;
  virtual void Add(const std::string& name, int* value, const std::string& help) = 0;
  virtual void Add(const std::string& name, double* value, const std::string& help) = 0;
  virtual void Add(const std::string& name, bool* value, const std::string& help) = 0;
  virtual void Add(const std::string& name, std::string* value, const std::string& help) = 0;
  // A repeatable option (--ref a --ref b); a comma-separated list in text.
  virtual void Add(const std::string& name, std::vector<std::string>* value,
                   const std::string& help) = 0;
};

struct StageOptions {
  virtual ~StageOptions() = default;
  // Declares each field with its flag name and help; defaults are the field initialisers.
  virtual void Bind(OptionBinder& binder) { (void)binder; }
  // "" when valid, else one message naming the bad option, its value and what was expected.
  virtual std::string Check() const { return ""; }
};

class Stage {
 public:
  virtual ~Stage() = default;
  virtual void Open(StreamFormat& format) { (void)format; }
  virtual void Process(FrameBatch& batch) = 0;
  virtual void Close(FrameBatch& tail) { (void)tail; }
};

// Calls fn(frame) for each frame of the batch a stage may change: every frame not marked
// passthrough (outside convert's --start/--end, copied to the output untouched).
template <typename F>
void ForEachFrame(FrameBatch& batch, F&& fn) {
  for (Frame& frame : batch.frames) {
    if (!frame.passthrough) fn(frame);
  }
}

// Base of the stages that work one face at a time (mask, colour, sharpen, blend, face
// writer): the framework iterates the batch, skips passthrough frames and the faces the
// stage does not want, and calls ProcessFace for the rest.
class FaceStage : public Stage {
 public:
  void Process(FrameBatch& batch) final {
    ForEachFrame(batch, [this](Frame& frame) {
      for (size_t i = 0; i < frame.faces.size(); ++i) {
        if (Wants(frame.faces[i])) ProcessFace(frame, frame.faces[i], static_cast<int>(i));
      }
    });
  }

 protected:
  // Which faces this stage handles; default every face.
  virtual bool Wants(const Face& face) const {
    (void)face;
    return true;
  }
  // `face` is frame.faces[index].
  virtual void ProcessFace(Frame& frame, Face& face, int index) = 0;
};

// Base of convert's stages after the swap: they handle only faces a swap stage generated
// (Face::swapped set), in swap space.
class SwappedFaceStage : public FaceStage {
 protected:
  bool Wants(const Face& face) const override { return !face.swapped.empty(); }
};

// What the registration list knows about one plugin.
struct StageInfo {
  std::string name;         // "<kind>/<impl>", e.g. "detect/dlib-hog".
  std::string description;  // One line for --help.
  // Several instances may process different batches at once (one per runner worker).
  bool parallel = false;
  std::function<std::unique_ptr<StageOptions>()> default_options;
  std::function<std::unique_ptr<Stage>(const StageOptions&)> create;
};

// Filled only by RegisterBuiltinStages() (stages/builtin_stages.cc).
class StageRegistry {
 public:
  void Add(StageInfo info);  // Throws std::logic_error on a duplicate name.
  // Throws FatalError naming the valid choices when `name` is unknown.
  const StageInfo& Get(const std::string& name) const;
  bool Has(const std::string& name) const;
  // Names of one kind ("detect") or all (""), sorted.
  std::vector<std::string> Names(const std::string& kind = "") const;

 private:
  std::vector<StageInfo> stages_;
};

// Helper for plugin factories: builds a StageInfo for Stage type S with options O.
// S must be constructible from `const O&`.
template <typename S, typename O>
StageInfo MakeStageInfo(std::string name, std::string description, bool parallel) {
  StageInfo info;
  info.name = std::move(name);
  info.description = std::move(description);
  info.parallel = parallel;
  info.default_options = [] { return std::make_unique<O>(); };
  info.create = [](const StageOptions& options) -> std::unique_ptr<Stage> {
    return std::make_unique<S>(dynamic_cast<const O&>(options));
  };
  return info;
}

}  // namespace faceswap
