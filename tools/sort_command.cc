// `faceswap sort`: ranks the face images of a folder, so a person can clean a face set by
// looking at one end of the ranking (like deepfakes/faceswap's sort tool).
//
//   faceswap sort -i faces --by blur -o faces_by_blur    // copies 00000_<name>.png, ...
//   faceswap sort -i faces --by identity --ref me.jpg --csv ranking.csv --dry-run
//
// Keys (tools/face_scores.h), best first:
//   identity         distance of dlib's face descriptor to the --ref mean (without --ref: to
//                    the folder's own centre, a mean of the half of faces closest to the mean);
//                    closest first, so other people's faces gather at the end
//   blur             variance of the Laplacian over the inner face; sharpest first
//   size             landmark extent in source-frame pixels (crop edge without metadata);
//                    largest first
//   pose             |yaw| estimated from the landmarks; most frontal first
//   landmarks-error  distance of the landmarks from the mean face shape after alignment;
//                    LARGEST first: bad alignments gather at the start, to be checked first
// Faces are described by the metadata extract stores in each PNG (pipeline/face_metadata.h).
// A face without it has no landmarks: pose and landmarks-error rank it last, identity finds
// the face in the pixels. Unreadable files and faces that cannot be scored come last, by name.
// The input folder is never changed.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <thread>

#include "base/check.h"
#include "base/pending_file.h"
#include "pipeline/face_metadata.h"
#include "pipeline/interrupt.h"
#include "pipeline/progress.h"
#include "pipeline/runner.h"
#include "stages/identity/face_descriptor.h"
#include "stages/identity/reference_set.h"
#include "tools/command.h"
#include "tools/face_scores.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kKeys = {"identity", "blur", "size", "pose", "landmarks-error"};

struct SortOptions {
  std::string input;              // Folder of face images.
  std::string by = "identity";    // One of kKeys.
  std::vector<std::string> refs;  // Reference photos/folders (identity only).
  std::string output;             // Folder for the ranked copies ("" = none).
  bool dry_run = false;           // CSV on stdout instead of copies.
  std::string csv;                // CSV file ("" = none).
  int threads = 0;                // 0 = all cores.
  ProgressMode progress = ProgressMode::kAuto;
};

// One face file and what sorting found out about it.
struct Item {
  std::string file;  // Name in the input folder.
  std::string source;
  int64_t frame = -1;
  int face = -1;
  bool scored = false;
  double score = 0.0;             // The key's value (the CSV's score column).
  double order = 0.0;             // Ascending sort value (score, or -score for "largest first").
  std::string note;               // Key details, or why there is no score.
  std::vector<float> descriptor;  // identity only.
};

bool IsImage(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

std::vector<std::string> ListFaces(const std::string& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw FatalError("faces folder '" + folder + "' does not exist or is not a folder");
  }
  std::vector<std::string> files;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && IsImage(it->path())) {
      files.push_back(it->path().filename().string());
    }
  }
  if (ec) throw FatalError("cannot list faces folder '" + folder + "': " + ec.message());
  if (files.empty()) {
    throw FatalError("faces folder '" + folder +
                     "' has no face images: expected the .png files extract writes");
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string Format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

// Scores one file for `by` (identity: computes the descriptor; distances come later).
void Score(const std::string& folder, const std::string& by, const FaceDescriptor* net,
           Item& item) {
  const std::string path = (fs::path(folder) / item.file).string();
  const std::vector<uint8_t> bytes = ReadBytes(path);
  const cv::Mat bgr = bytes.empty() ? cv::Mat() : cv::imdecode(bytes, cv::IMREAD_COLOR);
  if (bgr.empty()) {
    item.note = "unreadable image";
    return;
  }
  FaceImageMetadata meta;
  std::string error;
  const bool has_meta = ReadFaceMetadata(bytes, &meta, &error) && meta.landmarks.size() == 68;
  if (!error.empty()) spdlog::debug("'{}': {}", path, error);
  if (has_meta) {
    item.source = meta.source;
    item.frame = meta.frame;
    item.face = meta.face;
  }
  const std::vector<cv::Point2f> crop_landmarks =
      has_meta ? meta.CropLandmarks() : std::vector<cv::Point2f>();
  item.scored = true;
  if (by == "blur") {
    item.score = BlurScore(bgr, crop_landmarks);
    item.order = -item.score;
    item.note = has_meta ? "inner face from landmarks" : "inner face from template";
  } else if (by == "size") {
    item.score = has_meta ? LandmarkExtent(meta.landmarks) : bgr.cols;
    item.order = -item.score;
    item.note = has_meta ? "landmark extent in frame px" : "crop edge (no metadata)";
  } else if (by == "pose" || by == "landmarks-error") {
    if (!has_meta) {
      item.scored = false;
      item.note = "no landmarks (no faceswap metadata)";
    } else if (by == "pose") {
      const double yaw = YawDegrees(meta.landmarks);
      item.score = std::abs(yaw);
      item.order = item.score;
      item.note = "yaw " + Format("%+.1f", yaw) + " deg";
    } else {
      item.score = AlignmentError(meta.landmarks);
      item.order = -item.score;
      item.note = "rms from mean face";
    }
  } else {  // identity
    item.descriptor = has_meta ? net->Compute(bgr, crop_landmarks) : DescribeLargestFace(bgr, *net);
    if (item.descriptor.empty()) {
      item.scored = false;
      item.note = "no face found";
    }
  }
}

// The centre of a folder's own faces: the mean of the half closest to the mean, twice, so a
// minority of other people does not pull it away from the majority.
std::vector<float> RobustCentre(const std::vector<const std::vector<float>*>& descriptors) {
  std::vector<std::vector<float>> all;
  for (const auto* d : descriptors) all.push_back(*d);
  std::vector<float> centre = MeanDescriptor(all);
  for (int round = 0; round < 2 && all.size() > 2; ++round) {
    std::vector<std::pair<double, size_t>> by_distance;
    for (size_t i = 0; i < all.size(); ++i) {
      by_distance.emplace_back(DescriptorDistance(all[i], centre), i);
    }
    std::sort(by_distance.begin(), by_distance.end());
    std::vector<std::vector<float>> half;
    for (size_t i = 0; i < (all.size() + 1) / 2; ++i) half.push_back(all[by_distance[i].second]);
    centre = MeanDescriptor(half);
  }
  return centre;
}

void ScoreIdentity(std::vector<Item>& items, const std::vector<float>& reference,
                   const std::string& what) {
  for (auto& item : items) {
    if (!item.scored) continue;
    item.score = DescriptorDistance(item.descriptor, reference);
    item.order = item.score;
    item.note = std::string(item.score < kSamePersonDistance ? "same person" : "other person") +
                " as " + what;
  }
}

std::string Csv(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

void WriteCsv(std::ostream& out, const std::vector<Item>& ranked) {
  out << "rank,file,score,source,frame,face,note\n";
  for (size_t r = 0; r < ranked.size(); ++r) {
    const Item& it = ranked[r];
    out << r << ',' << Csv(it.file) << ',' << (it.scored ? Format("%.6g", it.score) : "") << ','
        << Csv(it.source) << ',' << (it.frame >= 0 ? std::to_string(it.frame) : "") << ','
        << (it.face >= 0 ? std::to_string(it.face) : "") << ',' << Csv(it.note) << "\n";
  }
}

// Throws unless `o.output` can take the ranked copies: a new folder, or an empty one that is
// not the input. Checked before any scoring.
void CheckRankedOutput(const SortOptions& o) {
  std::error_code ec;
  if (fs::exists(o.output, ec)) {
    if (fs::equivalent(o.output, o.input, ec)) {
      throw FatalError("output folder '" + o.output + "' is the input folder: choose another");
    }
    if (!fs::is_directory(o.output, ec)) {
      throw FatalError("output '" + o.output + "' exists and is not a folder");
    }
    if (!fs::is_empty(o.output, ec)) {
      throw FatalError("output folder '" + o.output +
                       "' is not empty: choose a new or empty folder for the ranked copies");
    }
    return;
  }
  // A new folder: made at the end, where the nearest existing ancestor allows it.
  fs::path p = fs::absolute(o.output, ec);
  while (!p.empty() && !fs::exists(p, ec) && p != p.parent_path()) p = p.parent_path();
  if (!fs::is_directory(p, ec) || ::access(p.c_str(), W_OK | X_OK) != 0) {
    throw FatalError("cannot create output folder '" + o.output + "': '" + p.string() +
                     "' is not a writable folder");
  }
}

// Copies the ranked files into `output` as <rank>_<name>; each under a temporary name first,
// so an interrupted copy never leaves a partial file.
void CopyRanked(const SortOptions& o, const std::vector<Item>& ranked) {
  std::error_code ec;
  fs::create_directories(o.output, ec);
  if (ec) throw FatalError("cannot create output folder '" + o.output + "': " + ec.message());
  const int digits = std::max<int>(5, static_cast<int>(std::to_string(ranked.size()).size()));
  for (size_t r = 0; r < ranked.size(); ++r) {
    ThrowIfInterrupted("the ranked copies made so far are complete files");
    char prefix[32];
    std::snprintf(prefix, sizeof(prefix), "%0*zu_", digits, r);
    const fs::path to = fs::path(o.output) / (prefix + ranked[r].file);
    PendingFile file(to.string());
    fs::copy_file(fs::path(o.input) / ranked[r].file, file.temp_path(),
                  fs::copy_options::overwrite_existing, ec);
    if (ec) {
      throw FatalError("cannot copy '" + ranked[r].file + "' to '" + to.string() +
                       "': " + ec.message());
    }
    file.Commit(/*sync=*/false);
  }
}

// Throws on an option combination that cannot work (before any file is read).
void CheckSortOptions(const SortOptions& o) {
  if (o.output.empty() && !o.dry_run && o.csv.empty()) {
    throw FatalError(
        "nothing to write: give -o FOLDER for ranked copies, --dry-run, or --csv FILE");
  }
  if (!o.refs.empty() && o.by != "identity") {
    throw FatalError("--ref is used only with --by identity (not --by " + o.by + ")");
  }
}

// What identity distances are measured to, and how the notes name it.
struct IdentityReference {
  std::vector<float> descriptor;  // Empty: the folder's own centre, found after scoring.
  std::string what;
};

IdentityReference LoadSortReference(const std::vector<std::string>& ref_paths,
                                    const FaceDescriptor& net) {
  IdentityReference reference;
  const ReferenceSet refs = LoadReferences(ref_paths, net);
  reference.descriptor = refs.mean;
  const size_t n = refs.files.size();
  reference.what = "--ref (" + std::to_string(n) + (n == 1 ? " photo)" : " photos)");
  spdlog::info("sort: reference from {} photo{}", n, n == 1 ? "" : "s");
  return reference;
}

// Scores every file of `files` on `o.threads` threads, until done or interrupted.
std::vector<Item> ScoreAll(const SortOptions& o, const std::vector<std::string>& files,
                           const FaceDescriptor* net) {
  std::vector<Item> items(files.size());
  for (size_t i = 0; i < files.size(); ++i) items[i].file = files[i];
  Progress progress("sort", static_cast<int64_t>(items.size()), o.progress, "faces");
  std::atomic<size_t> next{0};
  auto work = [&] {
    while (!Interrupted()) {
      const size_t i = next++;
      if (i >= items.size()) break;
      try {
        Score(o.input, o.by, net, items[i]);
      } catch (const std::exception& e) {  // One odd file is data: ranked last, with the reason.
        items[i].scored = false;
        items[i].descriptor.clear();
        items[i].note = "failed: " + OneLine(e.what());
      }
      progress.Add(1);
    }
  };
  const int threads = std::min<int>(ResolveThreads(o.threads), static_cast<int>(items.size()));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  progress.Finish();
  return items;
}

// Identity scores: distances to `reference`, else to the centre of the faces found.
void ScoreByIdentity(const std::string& input, std::vector<Item>& items,
                     IdentityReference reference) {
  if (reference.descriptor.empty()) {
    std::vector<const std::vector<float>*> found;
    for (const auto& it : items) {
      if (it.scored) found.push_back(&it.descriptor);
    }
    if (found.empty()) {
      throw FatalError("no face found in any image of '" + input + "'");
    }
    reference.descriptor = RobustCentre(found);
    reference.what = "the folder's majority";
  }
  ScoreIdentity(items, reference.descriptor, reference.what);
}

// Scored first by the key (ties by name), then the rest by name.
std::vector<Item> Rank(std::vector<Item> ranked, const std::string& by) {
  std::stable_sort(ranked.begin(), ranked.end(), [](const Item& a, const Item& b) {
    if (a.scored != b.scored) return a.scored;
    return a.scored && a.order < b.order;
  });
  size_t unscored = 0;
  for (const auto& it : ranked) unscored += !it.scored;
  if (unscored > 0) {
    spdlog::warn("sort: {} of {} files could not be scored by {} (ranked last; see the CSV note)",
                 unscored, ranked.size(), by);
  }
  return ranked;
}

int RunSort(const SortOptions& o) {
  CheckSortOptions(o);
  const std::vector<std::string> files = ListFaces(o.input);
  if (!o.csv.empty()) CheckOutputFolder(o.csv);
  if (!o.output.empty()) CheckRankedOutput(o);

  std::unique_ptr<FaceDescriptor> net;
  IdentityReference reference;
  if (o.by == "identity") {
    net = std::make_unique<FaceDescriptor>();
    if (!o.refs.empty()) reference = LoadSortReference(o.refs, *net);
  }

  std::vector<Item> items = ScoreAll(o, files, net.get());
  ThrowIfInterrupted();
  if (o.by == "identity") ScoreByIdentity(o.input, items, std::move(reference));
  const std::vector<Item> ranked = Rank(std::move(items), o.by);

  if (o.dry_run) WriteCsv(std::cout, ranked);
  if (!o.csv.empty()) {
    std::ostringstream out;
    WriteCsv(out, ranked);
    WriteFileAtomically(o.csv, out.str());
  }
  if (!o.output.empty()) CopyRanked(o, ranked);
  spdlog::info("sort: ranked {} faces by {}{}{}", ranked.size(), o.by,
               o.output.empty() ? "" : " into '" + o.output + "'",
               o.csv.empty() ? "" : ", ranking in '" + o.csv + "'");
  return 0;
}

}  // namespace

CommandSetup SortCommand() {
  return [](CLI::App& sub, AppContext& context) -> CommandRun {
    auto o = std::make_shared<SortOptions>();
    sub.add_option("-i,--input", o->input, "Folder of face images (extract's PNGs)")->required();
    sub.add_option("--by", o->by,
                   "Ranking: identity (closest to --ref first), blur (sharpest first), size "
                   "(largest first), pose (most frontal first), landmarks-error (worst first)")
        ->check(CLI::IsMember(kKeys))
        ->capture_default_str();
    sub.add_option("--ref", o->refs,
                   "Photos or folders of the wanted person (--by identity; default: the "
                   "folder's own majority)");
    CLI::Option* out =
        sub.add_option("-o,--output", o->output,
                       "New or empty folder for ranked copies 00000_<name>, 00001_<name>, ...");
    CLI::Option* dry =
        sub.add_flag("--dry-run", o->dry_run, "Print the ranking as CSV instead of copying");
    out->excludes(dry);
    sub.add_option("--csv", o->csv, "Also write the ranking (rank,file,score,...) to this file");
    return [&context, o]() -> int {
      o->threads = context.threads;
      o->progress = context.progress;
      return RunSort(*o);
    };
  };
}

}  // namespace faceswap
