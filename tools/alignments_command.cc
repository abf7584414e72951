// `faceswap alignments`: inspect and clean an alignments file.
//   list          per source: frames with/without faces, frames with several, faces per frame
//   draw          frames with boxes and landmarks drawn, for a person to check
//   export        landmarks as CSV or JSON
//   remove-faces  drop the faces whose PNGs the user deleted from extract's face folder
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "base/check.h"
#include "base/pending_file.h"
#include "pipeline/alignments_file.h"
#include "pipeline/face_files.h"
#include "pipeline/face_metadata.h"
#include "pipeline/image_folder_writer.h"
#include "pipeline/interrupt.h"
#include "pipeline/progress.h"
#include "pipeline/video_reader.h"
#include "tools/command.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

// "3-5, 9, 12-40" from sorted indices; after `max_ranges` ranges ", ... (N more frames)".
std::string Ranges(const std::vector<int64_t>& idx, size_t max_ranges = SIZE_MAX) {
  std::string out;
  size_t ranges = 0;
  for (size_t i = 0; i < idx.size();) {
    if (ranges++ == max_ranges) {
      out += ", ... (" + std::to_string(idx.size() - i) + " more frames)";
      break;
    }
    size_t j = i;
    while (j + 1 < idx.size() && idx[j + 1] == idx[j] + 1) ++j;
    if (!out.empty()) out += ", ";
    out += std::to_string(idx[i]);
    if (j > i) out += "-" + std::to_string(idx[j]);
    i = j + 1;
  }
  return out.empty() ? "none" : out;
}

// The per-source numbers `alignments list` prints (and writes as CSV).
struct SourceSummary {
  int64_t faces = 0;
  std::map<size_t, int64_t> histogram;     // Faces in a frame -> frames.
  std::vector<int64_t> none, several;      // Frame indices without faces / with several.
  std::vector<std::string> several_names;  // Their file stems (image folders only).
};

SourceSummary Summarise(const AlignmentsSource& s) {
  SourceSummary sum;
  for (const auto& f : s.frames) {
    ++sum.histogram[f.faces.size()];
    sum.faces += static_cast<int64_t>(f.faces.size());
    if (f.faces.empty()) sum.none.push_back(f.index);
    if (f.faces.size() > 1) {
      sum.several.push_back(f.index);
      if (!f.name.empty()) sum.several_names.push_back(f.name);
    }
  }
  return sum;
}

// "none", or "16 (120-135, 300)"; names (image folders) follow the ranges, the first 10.
std::string CountAndRanges(const std::vector<int64_t>& idx,
                           const std::vector<std::string>& names = {}) {
  if (idx.empty()) return "none";
  std::string out = std::to_string(idx.size()) + " (" + Ranges(idx, 12);
  if (!names.empty()) {
    out += ":";
    for (size_t i = 0; i < names.size() && i < 10; ++i) out += (i ? ", " : " ") + names[i];
    if (names.size() > 10) out += ", ...";
  }
  return out + ")";
}

// A CSV field, quoted when it needs to be.
std::string Csv(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string Histogram(const std::map<size_t, int64_t>& histogram) {
  std::string out;
  for (const auto& [n, count] : histogram) {
    out += (out.empty() ? "" : " ") + std::to_string(n) + ":" + std::to_string(count);
  }
  return out;
}

int ListCsv(const Alignments& a, bool per_frame) {
  if (per_frame) {
    std::printf("source,frame,name,timestamp,faces\n");
    for (const auto& s : a.sources) {
      for (const auto& f : s.frames) {
        std::printf("%s,%lld,%s,%.6f,%zu\n", Csv(s.path).c_str(), static_cast<long long>(f.index),
                    Csv(f.name).c_str(), f.timestamp, f.faces.size());
      }
    }
    return 0;
  }
  std::printf(
      "source,width,height,fps,frames_in_source,frames,faces,frames_with_faces,"
      "frames_without_faces,frames_with_several_faces,without_faces,with_several_faces,"
      "faces_per_frame\n");
  for (const auto& s : a.sources) {
    const SourceSummary sum = Summarise(s);
    std::printf("%s,%d,%d,%.6g,%lld,%zu,%lld,%zu,%zu,%zu,%s,%s,%s\n", Csv(s.path).c_str(), s.width,
                s.height, s.fps, static_cast<long long>(s.frame_count), s.frames.size(),
                static_cast<long long>(sum.faces), s.frames.size() - sum.none.size(),
                sum.none.size(), sum.several.size(),
                sum.none.empty() ? "" : Csv(Ranges(sum.none)).c_str(),
                sum.several.empty() ? "" : Csv(Ranges(sum.several)).c_str(),
                Histogram(sum.histogram).c_str());
  }
  return 0;
}

int List(const std::string& path, bool per_frame, bool csv) {
  const Alignments a = ReadAlignments(path);
  if (csv) return ListCsv(a, per_frame);
  std::printf("%s: format %d.%d, aligned size %d px, padding %.4g%s\n", path.c_str(),
              kAlignmentsVersionMajor, kAlignmentsVersionMinor, a.convention.size,
              a.convention.padding, a.complete ? "" : " (incomplete: extract was interrupted)");
  for (const auto& s : a.sources) {
    const SourceSummary sum = Summarise(s);
    std::printf(
        "source %s: %dx%d, %.3g fps, %lld frames in source, %zu processed, %lld faces "
        "(%s, %s)\n",
        s.path.c_str(), s.width, s.height, s.fps, static_cast<long long>(s.frame_count),
        s.frames.size(), static_cast<long long>(sum.faces), s.detector.c_str(),
        s.landmarker.c_str());
    std::printf("  frames with faces: %zu of %zu\n", s.frames.size() - sum.none.size(),
                s.frames.size());
    for (const auto& [n, count] : sum.histogram) {
      std::printf("  frames with %zu face%s: %lld\n", n, n == 1 ? "" : "s",
                  static_cast<long long>(count));
    }
    std::printf("  frames without faces: %s\n", CountAndRanges(sum.none).c_str());
    std::printf("  frames with several faces: %s\n",
                CountAndRanges(sum.several, sum.several_names).c_str());
    if (per_frame) {
      for (const auto& f : s.frames) {
        std::printf("  frame %lld  t=%.3f  faces=%zu%s%s\n", static_cast<long long>(f.index),
                    f.timestamp, f.faces.size(), f.name.empty() ? "" : "  ", f.name.c_str());
      }
    }
  }
  return 0;
}

void DrawFace(cv::Mat& image, const Face& face, int number) {
  const cv::Scalar green(0, 255, 0), red(0, 0, 255);
  cv::rectangle(image, cv::Rect(face.box), green, 2);
  cv::putText(image, std::to_string(number) + " " + cv::format("%.2f", face.score),
              cv::Point(cvRound(face.box.x), cvRound(face.box.y) - 4), cv::FONT_HERSHEY_SIMPLEX,
              0.5, green, 1, cv::LINE_AA);
  for (size_t i = 0; i < face.landmarks.size(); ++i) {
    cv::circle(image, face.landmarks[i], 2, i < 17 ? green : red, cv::FILLED, cv::LINE_AA);
  }
}

int Draw(const std::string& path, const std::string& input, const std::string& output, int every,
         ProgressMode progress_mode) {
  const Alignments a = ReadAlignments(path);
  const AlignmentsSource* source = nullptr;
  for (const auto& s : a.sources) {
    if (s.path == input || a.sources.size() == 1) source = &s;
  }
  if (!source) throw FatalError("alignments file '" + path + "' has no source '" + input + "'");
  std::map<int64_t, const AlignmentsFrame*> by_index;
  for (const auto& f : source->frames) by_index[f.index] = &f;
  ImageFolderWriterOptions wo;
  wo.format = "jpg";
  ImageFolderWriter writer(output, wo);
  auto reader = OpenFrameSource(input);
  const StreamFormat format = reader->Open();
  if (format.width != source->width || format.height != source->height) {
    throw FatalError("input '" + input + "' is " + std::to_string(format.width) + "x" +
                     std::to_string(format.height) + " but the alignments were made on " +
                     std::to_string(source->width) + "x" + std::to_string(source->height));
  }
  Progress progress("draw", static_cast<int64_t>(by_index.size()), progress_mode);
  int64_t written = 0, seen = 0;
  FrameBatch batch;
  while (!by_index.empty() && reader->Read(batch, 1)) {
    ThrowIfInterrupted();  // Ctrl-C stops; the frames drawn so far are complete files.
    for (auto& frame : batch.frames) {
      auto it = by_index.find(frame.index);
      if (it == by_index.end()) continue;
      if (seen++ % every == 0) {
        for (size_t k = 0; k < it->second->faces.size(); ++k) {
          DrawFace(frame.image, it->second->faces[k], static_cast<int>(k));
        }
        writer.Write(frame);
        ++written;
      }
      by_index.erase(it);
      progress.Add(1);
    }
    batch.frames.clear();
  }
  progress.Finish();
  spdlog::info("draw: wrote {} frames to '{}'", written, output);
  return 0;
}

int Export(const std::string& path, const std::string& output) {
  const Alignments a = ReadAlignments(path);
  const bool csv = output.size() >= 4 && output.compare(output.size() - 4, 4, ".csv") == 0;
  const bool json = output.size() >= 5 && output.compare(output.size() - 5, 5, ".json") == 0;
  if (!csv && !json) {
    throw FatalError("cannot export to '" + output + "': expected a .csv or .json file name");
  }
  std::ostringstream out;
  if (csv) {
    out << "source,frame,timestamp,face,score,box_x,box_y,box_w,box_h";
    for (int i = 0; i < kNumLandmarks; ++i) out << ",x" << i << ",y" << i;
    out << "\n";
    for (const auto& s : a.sources) {
      for (const auto& f : s.frames) {
        for (size_t k = 0; k < f.faces.size(); ++k) {
          const Face& face = f.faces[k];
          if (face.landmarks.size() != kNumLandmarks) continue;
          out << '"' << s.path << "\"," << f.index << ',' << f.timestamp << ',' << k << ','
              << face.score << ',' << face.box.x << ',' << face.box.y << ',' << face.box.width
              << ',' << face.box.height;
          for (const auto& p : face.landmarks) out << ',' << p.x << ',' << p.y;
          out << "\n";
        }
      }
    }
  } else {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& s : a.sources) {
      for (const auto& f : s.frames) {
        for (size_t k = 0; k < f.faces.size(); ++k) {
          const Face& face = f.faces[k];
          nlohmann::json lm = nlohmann::json::array();
          for (const auto& p : face.landmarks) lm.push_back({p.x, p.y});
          rows.push_back({{"source", s.path},
                          {"frame", f.index},
                          {"timestamp", f.timestamp},
                          {"face", k},
                          {"score", face.score},
                          {"box", {face.box.x, face.box.y, face.box.width, face.box.height}},
                          {"landmarks", std::move(lm)}});
        }
      }
    }
    out << rows.dump(1) << "\n";
  }
  WriteFileAtomically(output, out.str());
  spdlog::info("export: wrote '{}'", output);
  return 0;
}

// ---- remove-faces ---------------------------------------------------------------------------

// What one face PNG in the folder says it is: from its metadata chunk, else its file name.
struct FaceFile {
  std::string file;
  std::string source;  // Metadata: the source stem. File name: the source stem or frame name.
  int64_t frame = -1;
  int face = -1;
  std::vector<cv::Point2f> landmarks;  // Frame px (metadata only): identifies the face even
                                       // when an earlier remove-faces renumbered the frame.
};

bool IsPng(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".png";
}

// The <source> extract puts in face file names and metadata for a source path.
std::string SourceStem(const std::string& path) {
  const fs::path in(path);
  return (in.has_filename() ? in : in.parent_path()).stem().string();
}

std::vector<FaceFile> ReadFaceFolder(const std::string& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw FatalError("faces folder '" + folder + "' does not exist or is not a folder");
  }
  std::vector<fs::path> pngs;
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    if (e.is_regular_file(ec) && IsPng(e.path())) pngs.push_back(e.path());
  }
  if (ec) throw FatalError("cannot list faces folder '" + folder + "': " + ec.message());
  if (pngs.empty()) {
    throw FatalError("faces folder '" + folder +
                     "' has no face PNGs: expected the folder extract wrote faces to");
  }
  std::sort(pngs.begin(), pngs.end());
  std::vector<FaceFile> faces;
  int64_t unknown = 0;
  for (const auto& p : pngs) {
    FaceFile f;
    f.file = p.filename().string();
    FaceImageMetadata m;
    std::string error;
    if (ReadFaceMetadataFile(p.string(), &m, &error)) {
      f.source = m.source;
      f.frame = m.frame;
      f.face = m.face;
      f.landmarks = std::move(m.landmarks);
    } else {
      if (!error.empty()) spdlog::warn("{}: using the file name", error);
      if (!ParseFaceFileName(f.file, &f.source, &f.frame, &f.face)) {
        spdlog::debug("'{}' is not a face file of extract: ignored", f.file);
        ++unknown;
        continue;
      }
    }
    faces.push_back(std::move(f));
  }
  if (faces.empty()) {
    throw FatalError("none of the " + std::to_string(pngs.size()) + " PNGs in '" + folder +
                     "' is a face extract wrote (no metadata, names not <source>_<frame>_"
                     "<face>.png)");
  }
  if (unknown > 0) {
    spdlog::warn("{} PNGs in '{}' are not extract's face files: ignored", unknown, folder);
  }
  return faces;
}

double MeanLandmarkDistance(const std::vector<cv::Point2f>& a, const std::vector<cv::Point2f>& b) {
  if (a.size() != b.size() || a.empty()) return 1e30;
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += cv::norm(a[i] - b[i]);
  return sum / static_cast<double>(a.size());
}

// A name for the next backup of `path` that does not exist yet: <path>.bak, else <path>.bak.1...
std::string BackupPath(const std::string& path) {
  std::error_code ec;
  std::string candidate = path + ".bak";
  for (int n = 1; fs::exists(candidate, ec) || ec; ++n) {
    if (n > 9999) throw FatalError("too many backups of '" + path + "': remove old .bak files");
    candidate = path + ".bak." + std::to_string(n);
  }
  return candidate;
}

// Copies `from` to `to` atomically (temp name, fsync, rename).
void CopyFileAtomically(const std::string& from, const std::string& to) {
  PendingFile file(to);
  std::error_code ec;
  fs::copy_file(from, file.temp_path(), fs::copy_options::overwrite_existing, ec);
  if (ec) throw FatalError("cannot back up '" + from + "' to '" + to + "': " + ec.message());
  file.Commit();
}

// Which face files matched which faces of the alignments.
struct FaceMatches {
  std::vector<std::map<int64_t, std::set<int>>> keep;  // Per source: frame -> positions.
  std::vector<bool> matched_source;
  int64_t matched = 0;
  std::set<std::string> foreign;  // Source stems of files that match no frame.
};

// The position in `frame` of the face `f` is, not one of `kept`; -1 when none.
int MatchFace(const FaceFile& f, const AlignmentsFrame& frame, const std::set<int>& kept) {
  // The face with these landmarks (rounded to 0.01 px when stored), else by position.
  int best = -1;
  double best_distance = 1.0;  // Pixels.
  for (size_t k = 0; k < frame.faces.size(); ++k) {
    const double d = MeanLandmarkDistance(f.landmarks, frame.faces[k].landmarks);
    if (d < best_distance && !kept.count(static_cast<int>(k))) {
      best = static_cast<int>(k);
      best_distance = d;
    }
  }
  // By position only when there are no landmarks to compare (a file without metadata).
  if (best < 0 && f.face < static_cast<int>(frame.faces.size()) &&
      (f.landmarks.empty() || frame.faces[f.face].landmarks.empty())) {
    best = f.face;
  }
  return best;
}

// Which face of which frame each file is. A file matches a source by its source stem (video,
// or the image folder's stem in metadata) or, by file name only, by the frame's name.
FaceMatches MatchFaceFiles(const Alignments& a, const std::vector<FaceFile>& files,
                           const std::string& path) {
  FaceMatches m;
  m.keep.resize(a.sources.size());
  m.matched_source.assign(a.sources.size(), false);
  for (const FaceFile& f : files) {
    bool found = false;
    for (size_t si = 0; si < a.sources.size() && !found; ++si) {
      const AlignmentsSource& s = a.sources[si];
      const std::string stem = SourceStem(s.path);
      const auto it = std::lower_bound(
          s.frames.begin(), s.frames.end(), f.frame,
          [](const AlignmentsFrame& fr, int64_t index) { return fr.index < index; });
      if (it == s.frames.end() || it->index != f.frame) continue;
      if (f.source != stem && f.source != s.path && (it->name.empty() || f.source != it->name)) {
        continue;
      }
      found = true;
      m.matched_source[si] = true;
      std::set<int>& kept = m.keep[si][f.frame];
      const int best = MatchFace(f, *it, kept);
      if (best >= 0) {
        kept.insert(best);
        ++m.matched;
      } else {
        spdlog::warn("'{}' matches no face of frame {} in '{}'", f.file, f.frame, path);
      }
    }
    if (!found) m.foreign.insert(f.source);
  }
  return m;
}

// Throws when no file matched (the folder belongs to another source); warns about the rest.
void CheckMatches(const Alignments& a, const FaceMatches& m, size_t files,
                  const std::string& path, const std::string& folder) {
  if (m.matched == 0) {
    std::string sources;
    for (const auto& s : a.sources) sources += (sources.empty() ? "'" : ", '") + s.path + "'";
    throw FatalError("the faces in '" + folder + "' belong to another source ('" +
                     *m.foreign.begin() + "') than the alignments file '" + path + "' (" +
                     (sources.empty() ? std::string("no sources") : sources) +
                     "): check -i and -a");
  }
  if (!m.foreign.empty()) {
    spdlog::warn("{} face files in '{}' match no frame of '{}' (e.g. source '{}'): ignored",
                 files - static_cast<size_t>(m.matched), folder, path, *m.foreign.begin());
  }
}

struct RemovalCounts {
  int64_t removed = 0, frames_changed = 0, kept_faces = 0;
};

// Drops from each matched source the faces no file kept; other sources stay as they are.
RemovalCounts DropUnkeptFaces(Alignments& a, const FaceMatches& m, const std::string& folder) {
  RemovalCounts c;
  for (size_t si = 0; si < a.sources.size(); ++si) {
    if (!m.matched_source[si]) {
      spdlog::info("source '{}' has no faces in '{}': left as it is", a.sources[si].path, folder);
      for (const auto& fr : a.sources[si].frames) c.kept_faces += fr.faces.size();
      continue;
    }
    for (auto& fr : a.sources[si].frames) {
      const auto it = m.keep[si].find(fr.index);
      std::vector<Face> faces;
      for (size_t k = 0; k < fr.faces.size(); ++k) {
        // A face without landmarks never had a crop, so no file: nothing says to remove it.
        const bool had_file = fr.faces[k].landmarks.size() == kNumLandmarks;
        if (!had_file || (it != m.keep[si].end() && it->second.count(static_cast<int>(k)))) {
          faces.push_back(std::move(fr.faces[k]));
        }
      }
      const int64_t dropped = static_cast<int64_t>(fr.faces.size() - faces.size());
      c.removed += dropped;
      c.frames_changed += dropped > 0;
      c.kept_faces += static_cast<int64_t>(faces.size());
      fr.faces = std::move(faces);
    }
  }
  return c;
}

int RemoveFaces(const std::string& path, const std::string& folder, const std::string& output) {
  Alignments a = ReadAlignments(path);
  const std::vector<FaceFile> files = ReadFaceFolder(folder);
  const FaceMatches matches = MatchFaceFiles(a, files, path);
  CheckMatches(a, matches, files.size(), path, folder);
  const RemovalCounts c = DropUnkeptFaces(a, matches, folder);

  std::error_code ec;
  const bool in_place = output.empty() || output == path || fs::equivalent(output, path, ec);
  if (in_place && c.removed == 0) {
    std::printf("removed 0 faces from 0 frames; %lld faces kept ('%s' unchanged)\n",
                static_cast<long long>(c.kept_faces), path.c_str());
    return 0;
  }
  if (in_place) {
    const std::string backup = BackupPath(path);
    CopyFileAtomically(path, backup);  // Before replacing: the user's input is never lost.
    spdlog::info("backup of '{}' in '{}'", path, backup);
  }
  WriteAlignments(in_place ? path : output, a);
  std::printf("removed %lld faces from %lld frames; %lld faces kept\n",
              static_cast<long long>(c.removed), static_cast<long long>(c.frames_changed),
              static_cast<long long>(c.kept_faces));
  return 0;
}

}  // namespace

CommandSetup AlignmentsCommand() {
  return [](CLI::App& sub, AppContext& context) -> CommandRun {
    struct Args {
      std::string alignments, input, output;
      bool per_frame = false, csv = false;
      int every = 1;
    };
    auto args = std::make_shared<Args>();
    sub.require_subcommand(1);
    CLI::App* list = sub.add_subcommand(
        "list", "Per source: frames with and without faces, with several, faces per frame");
    list->add_option("-a,--alignments", args->alignments, "Alignments file")->required();
    list->add_flag("--per-frame", args->per_frame, "Also print one line per frame");
    list->add_flag("--csv", args->csv,
                   "CSV on stdout: one row per source (with --per-frame: one per frame)");
    CLI::App* draw =
        sub.add_subcommand("draw", "Write frames with boxes and landmarks drawn (JPEG)");
    draw->add_option("-a,--alignments", args->alignments, "Alignments file")->required();
    draw->add_option("-i,--input", args->input, "The video or image folder extract read")
        ->required();
    draw->add_option("-o,--output", args->output, "Folder for the drawn frames")->required();
    draw->add_option("--every", args->every, "Draw every Nth listed frame")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    CLI::App* exp = sub.add_subcommand("export", "Landmarks as CSV or JSON (by file name)");
    exp->add_option("-a,--alignments", args->alignments, "Alignments file")->required();
    exp->add_option("-o,--output", args->output, "Output .csv or .json file")->required();
    CLI::App* remove = sub.add_subcommand(
        "remove-faces",
        "Drop the faces whose PNGs were deleted from the faces folder (in place, after a backup "
        "<alignments>.bak)");
    remove->add_option("-a,--alignments", args->alignments, "Alignments file")->required();
    remove->add_option("-i,--input", args->input, "The faces folder extract wrote, after cleaning")
        ->required();
    remove->add_option("-o,--output", args->output,
                       "Write the result here instead of replacing the alignments file");
    return [&context, args, list, draw, exp, remove]() -> int {
      if (list->parsed()) return List(args->alignments, args->per_frame, args->csv);
      if (remove->parsed()) return RemoveFaces(args->alignments, args->input, args->output);
      if (draw->parsed()) {
        return Draw(args->alignments, args->input, args->output, args->every, context.progress);
      }
      if (exp->parsed()) return Export(args->alignments, args->output);
      return 2;
    };
  };
}

}  // namespace faceswap
