// `faceswap alignments`: inspect an alignments file.
//   list    faces per frame, frames without faces (or with several)
//   draw    frames with boxes and landmarks drawn, for a person to check
//   export  landmarks as CSV or JSON
#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "pipeline/alignments_file.h"
#include "pipeline/check.h"
#include "pipeline/image_folder_writer.h"
#include "pipeline/pending_file.h"
#include "pipeline/progress.h"
#include "pipeline/video_reader.h"
#include "tools/command.h"
#include "tools/interrupt.h"

namespace faceswap {
namespace {

// "3-5, 9, 12-40" from sorted indices.
std::string Ranges(const std::vector<int64_t>& idx) {
  std::string out;
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && idx[j + 1] == idx[j] + 1) ++j;
    if (!out.empty()) out += ", ";
    out += std::to_string(idx[i]);
    if (j > i) out += "-" + std::to_string(idx[j]);
    i = j + 1;
  }
  return out.empty() ? "none" : out;
}

int List(const std::string& path, bool per_frame) {
  const Alignments a = ReadAlignments(path);
  std::printf("%s: format %d.%d, aligned size %d px, padding %.4g%s\n", path.c_str(),
              kAlignmentsVersionMajor, kAlignmentsVersionMinor, a.convention.size,
              a.convention.padding, a.complete ? "" : " (incomplete: extract was interrupted)");
  for (const auto& s : a.sources) {
    std::map<size_t, int64_t> histogram;
    std::vector<int64_t> none, several;
    int64_t faces = 0;
    for (const auto& f : s.frames) {
      ++histogram[f.faces.size()];
      faces += static_cast<int64_t>(f.faces.size());
      if (f.faces.empty()) none.push_back(f.index);
      if (f.faces.size() > 1) several.push_back(f.index);
    }
    std::printf(
        "source %s: %dx%d, %.3g fps, %lld frames in source, %zu processed, %lld faces "
        "(%s, %s)\n",
        s.path.c_str(), s.width, s.height, s.fps, static_cast<long long>(s.frame_count),
        s.frames.size(), static_cast<long long>(faces), s.detector.c_str(), s.landmarker.c_str());
    for (const auto& [n, count] : histogram) {
      std::printf("  frames with %zu face%s: %lld\n", n, n == 1 ? "" : "s",
                  static_cast<long long>(count));
    }
    std::printf("  frames without faces: %s\n", Ranges(none).c_str());
    std::printf("  frames with several faces: %s\n", Ranges(several).c_str());
    if (per_frame) {
      for (const auto& f : s.frames) {
        std::printf("  frame %lld  t=%.3f  faces=%zu\n", static_cast<long long>(f.index),
                    f.timestamp, f.faces.size());
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
  PendingFile file(output);
  {
    std::ofstream out(file.temp_path());
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
    if (!out) throw FatalError("cannot write '" + output + "'");
  }
  file.Commit();
  spdlog::info("export: wrote '{}'", output);
  return 0;
}

}  // namespace

CommandSetup AlignmentsCommand() {
  return [](CLI::App& sub, AppContext& context) -> CommandRun {
    struct Args {
      std::string alignments, input, output;
      bool per_frame = false;
      int every = 1;
    };
    auto args = std::make_shared<Args>();
    sub.require_subcommand(1);
    CLI::App* list = sub.add_subcommand("list", "Faces per frame; frames without faces");
    list->add_option("-a,--alignments", args->alignments, "Alignments file")->required();
    list->add_flag("--per-frame", args->per_frame, "Also print one line per frame");
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
    return [&context, args, list, draw, exp]() -> int {
      if (list->parsed()) return List(args->alignments, args->per_frame);
      if (draw->parsed()) {
        return Draw(args->alignments, args->input, args->output, args->every, context.progress);
      }
      if (exp->parsed()) return Export(args->alignments, args->output);
      return 2;
    };
  };
}

}  // namespace faceswap
