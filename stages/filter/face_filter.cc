#include "stages/filter/face_filter.h"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>

#include "base/check.h"
#include "stages/identity/reference_set.h"

namespace faceswap {

struct FaceFilterTally {
  std::mutex mutex;
  FaceFilterCounts counts;
  std::vector<float> dropped_ref;  // Distances to the --ref mean of faces dropped for it.
  std::vector<float> kept_ref;     // Distances to the --ref mean of faces kept.
  std::vector<float> excluded;     // Distances to the --exclude-ref mean of faces dropped.
  int open = 0;                    // Workers made and not yet closed.
};

namespace {

namespace fs = std::filesystem;

// References loaded once per process per (model, landmark model, paths).
std::shared_ptr<const ReferenceSet> SharedReferences(const std::vector<std::string>& paths,
                                                     const std::string& flag,
                                                     const FaceDescriptor& net,
                                                     const FaceFilterOptions& options) {
  if (paths.empty()) return nullptr;
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const ReferenceSet>> cache;
  std::string key = options.descriptor_model + '\n' + options.landmark_model;
  for (const auto& p : paths) key += '\n' + p;
  std::lock_guard<std::mutex> lock(mutex);  // Held while loading: other workers wait.
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  const auto t0 = std::chrono::steady_clock::now();
  std::shared_ptr<const ReferenceSet> set;
  try {
    set = std::make_shared<const ReferenceSet>(LoadReferences(paths, net, options.landmark_model));
  } catch (const FatalError& e) {
    throw FatalError("--" + flag + ": " + e.what());
  }
  double spread = 0.0;
  for (const auto& d : set->descriptors)
    spread = std::max(spread, DescriptorDistance(d, set->mean));
  spdlog::info(
      "filter/faces: --{}: {} reference image{} ({:.1f} s), farthest {:.2f} from their mean", flag,
      set->files.size(), set->files.size() == 1 ? "" : "s",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), spread);
  cache.emplace(key, set);
  return set;
}

bool Identity(const FaceFilterOptions& o) { return !o.refs.empty() || !o.exclude_refs.empty(); }

// The larger side of the bounding box of the 68 landmarks (the box without landmarks).
float Extent(const Face& face) {
  if (face.landmarks.empty()) return std::max(face.box.width, face.box.height);
  float x0 = face.landmarks[0].x, x1 = x0, y0 = face.landmarks[0].y, y1 = y0;
  for (const auto& p : face.landmarks) {
    x0 = std::min(x0, p.x);
    x1 = std::max(x1, p.x);
    y0 = std::min(y0, p.y);
    y1 = std::max(y1, p.y);
  }
  return std::max(x1 - x0, y1 - y0);
}

float Median(std::vector<float> v) {
  if (v.empty()) return 0.f;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  return v[mid];
}

std::string Summary(const FaceFilterTally& t, const FaceFilterOptions& o) {
  const FaceFilterCounts& c = t.counts;
  std::string why;
  auto part = [&why](int64_t n, const std::string& text) {
    if (n > 0) why += (why.empty() ? "" : ", ") + std::to_string(n) + " " + text;
  };
  const std::string thr = fmt::format("{:.2f}", o.ref_threshold);
  part(c.dropped_ref, "farther than " + thr + " from --ref");
  part(c.dropped_exclude, "closer than " + thr + " to --exclude-ref");
  part(c.dropped_size, "below --min-size " + std::to_string(o.min_size));
  part(c.dropped_unmeasured, "without landmarks");
  std::string line = fmt::format("filter/faces: kept {} face{}, dropped {}", c.kept,
                                 c.kept == 1 ? "" : "s", c.dropped());
  if (!why.empty()) line += " (" + why + ")";
  if (!t.dropped_ref.empty()) {
    line += fmt::format("; distances of dropped: min {:.2f} median {:.2f}",
                        *std::min_element(t.dropped_ref.begin(), t.dropped_ref.end()),
                        Median(t.dropped_ref));
  }
  if (!t.kept_ref.empty()) {
    line += fmt::format("; of kept: median {:.2f} max {:.2f}", Median(t.kept_ref),
                        *std::max_element(t.kept_ref.begin(), t.kept_ref.end()));
  }
  if (!t.excluded.empty()) {
    line +=
        fmt::format("; distances to --exclude-ref of dropped: median {:.2f} max {:.2f}",
                    Median(t.excluded), *std::max_element(t.excluded.begin(), t.excluded.end()));
  }
  return line;
}

class FaceFilter : public Stage {
 public:
  explicit FaceFilter(const FaceFilterOptions& options)
      : options_(options),
        tally_(options.tally ? options.tally : std::make_shared<FaceFilterTally>()) {
    std::lock_guard<std::mutex> lock(tally_->mutex);
    ++tally_->open;
  }

  // Loads the descriptor model and the references (once per process), with the aligner's
  // landmark model unless the options name one. The runner opens every stage before the
  // first frame is decoded, so a bad --ref fails before anything is written.
  void Open(StreamFormat& format) override {
    if (!Identity(options_)) return;
    if (options_.landmark_model.empty()) options_.landmark_model = format.landmark_model;
    net_.emplace(options_.descriptor_model);
    ref_ = SharedReferences(options_.refs, "ref", *net_, options_);
    exclude_ = SharedReferences(options_.exclude_refs, "exclude-ref", *net_, options_);
  }

  ~FaceFilter() override {
    if (closed_) return;
    std::lock_guard<std::mutex> lock(tally_->mutex);
    --tally_->open;
  }

  void Process(FrameBatch& batch) override {
    FaceFilterTally local;
    ForEachFrame(batch, [&](Frame& frame) {
      if (!frame.image.empty() && !frame.faces.empty()) FilterFrame(frame, local);
    });
    Merge(local);
  }

  void Close(FrameBatch& tail) override {
    (void)tail;
    closed_ = true;
    std::lock_guard<std::mutex> lock(tally_->mutex);
    if (--tally_->open > 0) return;  // The last worker to finish reports for all.
    if (!options_.Active()) return;   // Kept every face: nothing to report.
    spdlog::info("{}", Summary(*tally_, options_));
    const FaceFilterCounts& c = tally_->counts;
    if (c.described > 0) {
      spdlog::debug("filter/faces: {} descriptors, {:.1f} ms each (summed over workers)",
                    c.described, 1000.0 * c.describe_seconds / static_cast<double>(c.described));
    }
  }

 private:
  // Drops the faces of one frame that fail --min-size, --ref or --exclude (counted in `local`).
  void FilterFrame(Frame& frame, FaceFilterTally& local) const {
    const double threshold = options_.ref_threshold;
    std::vector<char> keep(frame.faces.size(), 1);
    std::vector<size_t> measured;
    for (size_t i = 0; i < frame.faces.size(); ++i) {
      const Face& face = frame.faces[i];
      if (options_.min_size > 0 && Extent(face) < static_cast<float>(options_.min_size)) {
        keep[i] = 0;
        ++local.counts.dropped_size;
      } else if (net_ && face.landmarks.size() == 68) {
        measured.push_back(i);
      } else if (ref_) {
        keep[i] = 0;
        ++local.counts.dropped_unmeasured;
      }
    }
    if (!measured.empty()) {
      std::vector<std::vector<cv::Point2f>> landmarks;
      for (size_t i : measured) landmarks.push_back(frame.faces[i].landmarks);
      const auto t0 = std::chrono::steady_clock::now();
      const std::vector<std::vector<float>> codes = net_->Compute(frame.image, landmarks);
      local.counts.describe_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      local.counts.described += static_cast<int64_t>(codes.size());
      for (size_t k = 0; k < measured.size(); ++k) {
        Face& face = frame.faces[measured[k]];
        if (ref_) {
          const auto d = static_cast<float>(DescriptorDistance(codes[k], ref_->mean));
          face.identity_distance = d;
          if (d > threshold) {
            keep[measured[k]] = 0;
            ++local.counts.dropped_ref;
            local.dropped_ref.push_back(d);
            continue;
          }
        }
        if (exclude_) {
          const auto d = static_cast<float>(DescriptorDistance(codes[k], exclude_->mean));
          if (d < threshold) {
            keep[measured[k]] = 0;
            ++local.counts.dropped_exclude;
            local.excluded.push_back(d);
            continue;
          }
        }
        if (ref_) local.kept_ref.push_back(face.identity_distance);
      }
    }
    std::vector<Face> kept;
    kept.reserve(frame.faces.size());
    for (size_t i = 0; i < frame.faces.size(); ++i) {
      if (keep[i]) kept.push_back(std::move(frame.faces[i]));
    }
    local.counts.kept += static_cast<int64_t>(kept.size());
    frame.faces_dropped += static_cast<int>(frame.faces.size() - kept.size());
    frame.faces = std::move(kept);
  }


  void Merge(const FaceFilterTally& local) {
    std::lock_guard<std::mutex> lock(tally_->mutex);
    FaceFilterCounts& c = tally_->counts;
    c.kept += local.counts.kept;
    c.dropped_ref += local.counts.dropped_ref;
    c.dropped_exclude += local.counts.dropped_exclude;
    c.dropped_size += local.counts.dropped_size;
    c.dropped_unmeasured += local.counts.dropped_unmeasured;
    c.described += local.counts.described;
    c.describe_seconds += local.counts.describe_seconds;
    auto append = [](std::vector<float>& to, const std::vector<float>& from) {
      to.insert(to.end(), from.begin(), from.end());
    };
    append(tally_->dropped_ref, local.dropped_ref);
    append(tally_->kept_ref, local.kept_ref);
    append(tally_->excluded, local.excluded);
  }

  FaceFilterOptions options_;
  std::shared_ptr<FaceFilterTally> tally_;
  std::optional<FaceDescriptor> net_;
  std::shared_ptr<const ReferenceSet> ref_, exclude_;
  bool closed_ = false;
};

}  // namespace

FaceFilterOptions::FaceFilterOptions() : tally(std::make_shared<FaceFilterTally>()) {}

void FaceFilterOptions::Bind(OptionBinder& binder) {
  binder.Add("min-size", &min_size,
             "Drop faces whose 68 landmarks span fewer frame pixels than this (larger side of "
             "their bounding box); 0 = keep all");
  binder.Add("ref-threshold", &ref_threshold,
             "Descriptor distance below which a face is the --ref/--exclude-ref person (0 to 2; "
             "0.6 is dlib's same-person calibration)");
  binder.Add("ref", &refs,
             "Keep only faces of this person: a photo with the face or a folder of them "
             "(repeatable; the model comes from samples/fetch-models.sh)");
  binder.Add("exclude-ref", &exclude_refs,
             "Drop faces of this person: a photo with the face or a folder of them (repeatable)");
}

std::string FaceFilterOptions::Check() const {
  OptionCheck check;
  check.Range("min-size", min_size, 0, 8192).Range("ref-threshold", ref_threshold, 0.0, 2.0);
  auto exist = [&check](const std::vector<std::string>& paths, const char* flag) {
    for (const auto& p : paths) {
      std::error_code ec;
      check.That(!p.empty() && fs::exists(p, ec),
                 "reference '" + p + "' for option '" + flag +
                     "' does not exist: expected a photo with a face or a folder of them");
    }
  };
  exist(refs, "ref");
  exist(exclude_refs, "exclude-ref");
  return check.Error();
}

bool FaceFilterOptions::Active() const { return min_size > 0 || Identity(*this); }

FaceFilterCounts FaceFilterOptions::Counts() const {
  if (!tally) return {};
  std::lock_guard<std::mutex> lock(tally->mutex);
  return tally->counts;
}

StageInfo FaceFilterInfo() {
  return MakeStageInfo<FaceFilter, FaceFilterOptions>(
      "filter/faces",
      "Drops faces below --min-size or not matching --ref / matching --exclude-ref (dlib ResNet "
      "descriptor)",
      /*parallel=*/true);
}

}  // namespace faceswap
