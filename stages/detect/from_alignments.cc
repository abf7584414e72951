#include "stages/detect/from_alignments.h"

#include <memory>
#include <unordered_map>

#include "base/check.h"
#include "pipeline/alignments_file.h"

namespace faceswap {

void FromAlignmentsOptions::Bind(OptionBinder& binder) {
  binder.Add("alignments", &path, "Alignments file from faceswap extract for this video");
}

std::string FromAlignmentsOptions::Check() const {
  return OptionCheck().That(!path.empty(), "option 'alignments' is empty: expected a file").Error();
}

namespace {

using FaceTable = std::unordered_map<int64_t, std::vector<Face>>;

class FromAlignmentsStage : public Stage {
 public:
  explicit FromAlignmentsStage(const FromAlignmentsOptions& o) : path_(o.path) {}

  void Open(StreamFormat& format) override {
    const Alignments a = ReadAlignments(path_);
    if (a.sources.size() != 1) {
      throw FatalError("alignments file " + path_ + " holds " + std::to_string(a.sources.size()) +
                       " sources: expected exactly 1");
    }
    const AlignmentsSource& s = a.sources[0];
    const bool size_ok = s.width == format.width && s.height == format.height;
    const bool count_ok =
        s.frame_count < 0 || format.frame_count < 0 || s.frame_count == format.frame_count;
    if (!size_ok || !count_ok) {
      throw FatalError("alignments file " + path_ + " was made for a " + std::to_string(s.width) +
                       "x" + std::to_string(s.height) + " video of " +
                       std::to_string(s.frame_count) + " frames (" + s.path + "), but " +
                       format.path + " is " + std::to_string(format.width) + "x" +
                       std::to_string(format.height) + " with " +
                       std::to_string(format.frame_count) + " frames");
    }
    auto table = std::make_shared<FaceTable>();
    for (const auto& f : s.frames) (*table)[f.index] = f.faces;
    table_ = table;
  }

  void Process(FrameBatch& batch) override {
    ForEachFrame(batch, [this](Frame& frame) {
      auto it = table_->find(frame.index);
      if (it == table_->end()) return;
      for (const Face& stored : it->second) {
        if (stored.landmarks.size() != 68) continue;
        Face face;
        face.box = stored.box;
        face.score = stored.score;
        face.landmarks = stored.landmarks;
        face.frame_to_aligned = stored.frame_to_aligned;
        face.identity = stored.identity;
        frame.faces.push_back(std::move(face));
      }
    });
  }

 private:
  std::string path_;
  std::shared_ptr<const FaceTable> table_;
};

}  // namespace

StageInfo FromAlignmentsInfo() {
  return MakeStageInfo<FromAlignmentsStage, FromAlignmentsOptions>(
      "detect/alignments", "Faces and landmarks from an extract alignments file", false);
}

}  // namespace faceswap
