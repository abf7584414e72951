// `faceswap latent`: a trained model's code space as a tool (tools/latent.h).
//
//   faceswap latent outliers -m model --identity A -i faces_A --top 30 -o ranked.csv
//   faceswap latent outliers -m model --identity A -i faces_A --top 20 --move-to faces_A_out
//   faceswap latent interpolate -m model --identity B faces_A/0001.png faces_A/0200.png -o path.png
//   faceswap latent map -m model -i A=faces_A -i B=faces_B -o map.png --csv map.csv
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "base/check.h"
#include "base/device_choice.h"
#include "base/pending_file.h"  // CheckOutputFolder
#include "pipeline/image_folder_writer.h"
#include "tools/command.h"
#include "tools/face_loader.h"
#include "tools/latent.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

struct LatentArgs {
  std::string model, identity, device = "auto";
  // outliers
  std::string faces, csv, move_to, method = "combined";
  int top = 30;
  // interpolate
  std::vector<std::string> ends;
  int steps = 8;
  std::string output;
  // map
  std::vector<std::string> groups;
  std::string map_csv;
};

void AddModelOptions(CLI::App* app, LatentArgs& a, bool identity) {
  app->add_option("-m,--model", a.model, "Model folder (faceswap train -o)")->required();
  if (identity) {
    app->add_option("--identity", a.identity, "Identity whose decoder is used (as in train)")
        ->required();
  }
  app->add_option("--device", a.device, "auto (CUDA when available), cpu or cuda")
      ->check(CLI::IsMember(DeviceChoices()))
      ->capture_default_str();
}

int Outliers(const LatentArgs& a) {
  auto model = SwapModel::Load(a.model, a.device);
  const int identity = model->IdentityIndex(a.identity);
  std::vector<std::string> files;
  const FaceSet faces = LoadFaces(a.faces, a.identity, &files);
  if (!a.move_to.empty() && !fs::is_directory(a.faces)) {
    throw FatalError("--move-to needs a face folder: '" + a.faces + "' is a packed face set");
  }
  if (!a.csv.empty()) CheckOutputFolder(a.csv);
  const auto ranked = RankOutliers(*model, faces, files, identity, a.method);
  const int top = std::min<int>(a.top, static_cast<int>(ranked.size()));
  std::cout << "rank  error     file\n";
  for (int i = 0; i < top; ++i) {
    std::cout << fmt::format("{:4d}  {:.5f}  {}\n", ranked[i].rank, ranked[i].error,
                             ranked[i].file);
  }
  if (!a.csv.empty()) WriteRankingCsv(a.csv, ranked);
  if (!a.move_to.empty()) {
    const int moved = MoveFaces(ranked, top, a.move_to);
    spdlog::info("latent outliers: moved the top {} face(s) to '{}' (run `faceswap alignments "
                 "remove-faces` to drop them from the alignments file)",
                 moved, a.move_to);
  }
  spdlog::info("latent outliers: {} faces of '{}' ranked by {} (decoder '{}'){}",
               faces.count, a.faces, a.method, a.identity,
               a.csv.empty() ? "" : ", ranking in '" + a.csv + "'");
  return 0;
}

// Reads one face image for interpolate: square, as extract writes them.
cv::Mat ReadFace(const std::string& path) {
  cv::Mat image = cv::imread(path, cv::IMREAD_COLOR);
  if (image.empty()) throw FatalError("cannot read face image '" + path + "'");
  if (image.rows != image.cols) {
    throw FatalError("face image '" + path + "' is " + std::to_string(image.cols) + "x" +
                     std::to_string(image.rows) +
                     ": expected a square aligned face as written by faceswap extract");
  }
  return image;
}

int Interpolate(const LatentArgs& a) {
  if (a.ends.size() != 2) {
    throw FatalError("latent interpolate: " + std::to_string(a.ends.size()) +
                     " face images given: expected two (FACE_A FACE_B)");
  }
  CheckOutputFolder(a.output);
  auto model = SwapModel::Load(a.model, a.device);
  const int identity = model->IdentityIndex(a.identity);
  cv::Mat first = ReadFace(a.ends[0]), second = ReadFace(a.ends[1]);
  if (second.size() != first.size()) cv::resize(second, second, first.size(), 0, 0, cv::INTER_AREA);
  FaceSet two;
  two.name = a.identity;
  two.count = 2;
  two.height = first.rows;
  two.width = first.cols;
  for (const cv::Mat* m : {&first, &second}) {
    cv::Mat c = m->isContinuous() ? *m : m->clone();
    two.pixels.insert(two.pixels.end(), c.data, c.data + c.total() * 3);
  }
  WriteImageFile(a.output, InterpolationGrid(*model, two, identity, a.steps));
  spdlog::info("latent interpolate: {} faces from '{}' to '{}' decoded as '{}' in '{}'", a.steps,
               a.ends[0], a.ends[1], a.identity, a.output);
  return 0;
}

int Map(const LatentArgs& a) {
  CheckOutputFolder(a.output);
  if (!a.map_csv.empty()) CheckOutputFolder(a.map_csv);
  auto model = SwapModel::Load(a.model, a.device);
  std::vector<MapGroup> groups;
  for (const auto& g : a.groups) {
    const auto eq = g.find('=');
    MapGroup group;
    const std::string path = eq == std::string::npos ? g : g.substr(eq + 1);
    group.name = eq == std::string::npos ? fs::path(g).filename().string() : g.substr(0, eq);
    group.faces = LoadFaces(path, group.name, &group.files);
    groups.push_back(std::move(group));
  }
  const LatentMapResult map = LatentMap(*model, groups);
  WriteImageFile(a.output, map.image);
  if (!a.map_csv.empty()) WriteMapCsv(a.map_csv, map.points);
  spdlog::info("latent map: {} faces of {} group(s), the two components hold {:.0f}% of the "
               "codes' variance, map in '{}'",
               map.points.size(), groups.size(), 100 * map.explained, a.output);
  return 0;
}

}  // namespace

CommandSetup LatentCommand() {
  return [](CLI::App& sub, AppContext&) -> CommandRun {
    auto a = std::make_shared<LatentArgs>();
    sub.require_subcommand(1);
    CLI::App* outliers = sub.add_subcommand(
        "outliers",
        "Rank faces by how unusual the model finds them (reconstruction error and code "
        "neighbours): other people, "
        "misaligned crops, occlusions and blur come first");
    AddModelOptions(outliers, *a, true);
    outliers->add_option("-i,--input", a->faces, "Face folder (or packed face set) to rank")
        ->required();
    outliers->add_option("--top", a->top, "Faces printed (and moved with --move-to)")
        ->check(CLI::Range(1, 100000000))
        ->capture_default_str();
    outliers->add_option("-o,--csv", a->csv, "Write the whole ranking (rank,file,error) here");
    outliers->add_option("--move-to", a->move_to,
                         "Move the top faces into this folder (never deletes or overwrites)");
    outliers->add_option("--method", a->method,
                         "combined (reconstruction and code-knn as robust z-scores, summed), "
                         "reconstruction (error through the identity's decoder), code-knn "
                         "(distance to the 10 nearest codes), mean-face (baseline: pixel "
                         "distance to the set's mean crop)")
        ->check(CLI::IsMember(kOutlierMethods))
        ->capture_default_str();

    CLI::App* interpolate = sub.add_subcommand(
        "interpolate", "Decode the straight path between two faces' codes into one image row");
    AddModelOptions(interpolate, *a, true);
    interpolate->add_option("faces", a->ends, "FACE_A FACE_B: two aligned face images")
        ->required()
        ->expected(2);
    interpolate->add_option("--steps", a->steps, "Decoded faces along the path (ends included)")
        ->check(CLI::Range(2, 64))
        ->capture_default_str();
    interpolate->add_option("-o,--output", a->output, "PNG to write")->required();

    CLI::App* map = sub.add_subcommand(
        "map", "Project every face's code to 2-D (PCA) and draw the faces there, by group");
    AddModelOptions(map, *a, false);
    map->add_option("-i,--input", a->groups,
                    "NAME=FOLDER (or FOLDER: named after it) of faces; repeat for each group")
        ->required();
    map->add_option("-o,--output", a->output, "PNG to write")->required();
    map->add_option("--csv", a->map_csv, "Also write group,file,pc1,pc2 here");

    return [a, outliers, interpolate, map]() -> int {
      if (outliers->parsed()) return Outliers(*a);
      if (interpolate->parsed()) return Interpolate(*a);
      if (map->parsed()) return Map(*a);
      return 2;
    };
  };
}

}  // namespace faceswap
