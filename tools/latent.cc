#include "tools/latent.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <numeric>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "base/check.h"
#include "base/pending_file.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

// Face i of n S x S x 3 uint8 faces as a Mat (shares `bytes`).
cv::Mat FaceAt(std::vector<uint8_t>& bytes, int s, int i) {
  return cv::Mat(s, s, CV_8UC3, bytes.data() + static_cast<size_t>(i) * s * s * 3);
}

cv::Mat Tile(const cv::Mat& face, int tile) {
  cv::Mat out;
  cv::resize(face, out, {tile, tile}, 0, 0, cv::INTER_CUBIC);
  return out;
}

// The naive baseline: mean absolute difference of each crop to the mean crop.
std::vector<double> MeanFaceErrors(SwapModel& model, const FaceSet& faces) {
  std::vector<uint8_t> crops = model.Crops(faces);
  const int s = model.info().input_size;
  cv::Mat mean(s, s, CV_64FC3, cv::Scalar::all(0));
  for (int i = 0; i < faces.count; ++i) cv::accumulate(FaceAt(crops, s, i), mean);
  mean /= faces.count;
  std::vector<double> out;
  for (int i = 0; i < faces.count; ++i) {
    cv::Mat f;
    FaceAt(crops, s, i).convertTo(f, CV_64FC3);
    const cv::Scalar d = cv::mean(cv::abs(f - mean));
    out.push_back((d[0] + d[1] + d[2]) / 3 / 255);
  }
  return out;
}

// Per face: mean Euclidean distance of its code to its k nearest other codes.
std::vector<double> CodeKnnDistances(const std::vector<float>& codes, int d, int k = 10) {
  const int n = static_cast<int>(codes.size() / d);
  const cv::Mat c(n, d, CV_32F, const_cast<float*>(codes.data()));
  k = std::min(k, n - 1);
  std::vector<double> out(n);
  std::vector<double> row(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) row[j] = i == j ? HUGE_VAL : cv::norm(c.row(i), c.row(j));
    std::nth_element(row.begin(), row.begin() + (k - 1), row.end());
    out[i] = std::accumulate(row.begin(), row.begin() + k, 0.0) / k;
  }
  return out;
}

// (v - median) / (1.4826 MAD): comparable scales for summing two scores.
std::vector<double> RobustZ(std::vector<double> v) {
  auto median = [](std::vector<double> x) {
    std::nth_element(x.begin(), x.begin() + x.size() / 2, x.end());
    return x[x.size() / 2];
  };
  const double m = median(v);
  std::vector<double> dev;
  for (double x : v) dev.push_back(std::abs(x - m));
  const double mad = std::max(1.4826 * median(dev), 1e-12);
  for (double& x : v) x = (x - m) / mad;
  return v;
}

// A CSV field, quoted (with doubled quotes) when it holds a comma, quote or newline.
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// Writes a text file through `fill`, atomically (base/pending_file.h).
template <typename Fill>
void WriteTextFile(const std::string& path, Fill fill) {
  std::ostringstream out;
  fill(out);
  WriteFileAtomically(path, out.str());
}

cv::Scalar GroupColour(size_t i) {
  static const cv::Scalar kColours[] = {{60, 60, 230},  {230, 120, 40}, {60, 190, 60},
                                        {200, 60, 200}, {40, 200, 230}, {230, 230, 60},
                                        {130, 130, 130}};
  return kColours[i % (sizeof(kColours) / sizeof(kColours[0]))];
}

}  // namespace

std::vector<RankedFace> RankOutliers(SwapModel& model, const FaceSet& faces,
                                     const std::vector<std::string>& files, int identity,
                                     const std::string& method) {
  if (files.size() != static_cast<size_t>(faces.count)) {
    throw std::logic_error("RankOutliers: one file name per face expected");
  }
  std::vector<double> errors;
  if (method == "reconstruction") {
    errors = model.ReconstructionErrors(faces, identity, nullptr);
  } else if (method == "code-knn") {
    errors = CodeKnnDistances(model.Encode(faces), model.code_size());
  } else if (method == "combined") {  // One pass gives both the errors and the codes.
    std::vector<float> codes;
    const auto a = RobustZ(model.ReconstructionErrors(faces, identity, &codes));
    const auto b = RobustZ(CodeKnnDistances(codes, model.code_size()));
    for (size_t i = 0; i < a.size(); ++i) errors.push_back(a[i] + b[i]);
  } else if (method == "mean-face") {
    errors = MeanFaceErrors(model, faces);
  } else {
    throw FatalError("invalid value '" + method + "' for option 'method': choose from " +
                     "combined, reconstruction, code-knn, mean-face");
  }
  std::vector<RankedFace> ranked;
  for (int i = 0; i < faces.count; ++i) ranked.push_back({files[i], errors[i], 0});
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const RankedFace& a, const RankedFace& b) { return a.error > b.error; });
  for (size_t i = 0; i < ranked.size(); ++i) ranked[i].rank = static_cast<int>(i) + 1;
  return ranked;
}

void WriteRankingCsv(const std::string& path, const std::vector<RankedFace>& ranked) {
  WriteTextFile(path, [&](std::ostream& out) {
    out << "rank,file,error\n";
    for (const auto& r : ranked) {
      out << r.rank << ',' << CsvField(r.file) << ',' << fmt::format("{:.6f}", r.error) << '\n';
    }
  });
}

void WriteMapCsv(const std::string& path, const std::vector<MapPoint>& points) {
  WriteTextFile(path, [&](std::ostream& out) {
    out << "group,file,pc1,pc2\n";
    for (const auto& p : points) {
      out << CsvField(p.group) << ',' << CsvField(p.file) << ','
          << fmt::format("{:.5f},{:.5f}", p.x, p.y) << '\n';
    }
  });
}

int MoveFaces(const std::vector<RankedFace>& ranked, int top, const std::string& folder) {
  const int n = std::min<int>(top, static_cast<int>(ranked.size()));
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec || !fs::is_directory(folder)) {
    throw FatalError("--move-to '" + folder + "': cannot create the folder: " + ec.message());
  }
  for (int i = 0; i < n; ++i) {  // Check every move before the first: all or nothing.
    const fs::path from(ranked[i].file);
    if (!fs::is_regular_file(from)) {
      throw FatalError("--move-to: '" + ranked[i].file +
                       "' is not a file (a packed face set's faces cannot be moved)");
    }
    if (fs::exists(fs::path(folder) / from.filename())) {
      throw FatalError("--move-to: '" + (fs::path(folder) / from.filename()).string() +
                       "' exists already: nothing moved (faces are never overwritten)");
    }
  }
  for (int i = 0; i < n; ++i) {
    const fs::path from(ranked[i].file);
    const fs::path to = fs::path(folder) / from.filename();
    fs::rename(from, to, ec);
    if (ec) {  // Another filesystem: copy, then remove the original.
      fs::copy_file(from, to, ec);
      if (!ec) fs::remove(from, ec);
      if (ec) throw FatalError("cannot move '" + from.string() + "' to '" + to.string() +
                               "': " + ec.message());
    }
  }
  return n;
}

cv::Mat InterpolationGrid(SwapModel& model, const FaceSet& two_faces, int identity, int steps,
                          int tile) {
  if (two_faces.count != 2) throw std::logic_error("InterpolationGrid: two faces expected");
  if (steps < 2) throw FatalError("--steps " + std::to_string(steps) + ": expected at least 2");
  const std::vector<float> ends = model.Encode(two_faces);
  const size_t d = static_cast<size_t>(model.code_size());
  std::vector<float> path;
  for (int k = 0; k < steps; ++k) {
    const float t = static_cast<float>(k) / static_cast<float>(steps - 1);
    for (size_t j = 0; j < d; ++j) path.push_back((1 - t) * ends[j] + t * ends[d + j]);
  }
  std::vector<uint8_t> decoded = model.Decode(path, identity);
  std::vector<uint8_t> crops = model.Crops(two_faces);
  const int s = model.info().input_size;
  std::vector<cv::Mat> row = {Tile(FaceAt(crops, s, 0), tile)};
  for (int k = 0; k < steps; ++k) row.push_back(Tile(FaceAt(decoded, s, k), tile));
  row.push_back(Tile(FaceAt(crops, s, 1), tile));
  cv::Mat grid;
  cv::hconcat(row, grid);
  return grid;
}

LatentMapResult LatentMap(SwapModel& model, const std::vector<MapGroup>& groups, int size,
                          int thumb) {
  const int d = model.code_size(), s = model.info().input_size;
  std::vector<float> codes;
  std::vector<uint8_t> crops;
  std::vector<std::pair<size_t, std::string>> owner;  // Group and file of each row.
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto c = model.Encode(groups[g].faces);
    codes.insert(codes.end(), c.begin(), c.end());
    const auto k = model.Crops(groups[g].faces);
    crops.insert(crops.end(), k.begin(), k.end());
    for (const auto& f : groups[g].files) owner.emplace_back(g, f);
  }
  const int n = static_cast<int>(owner.size());
  if (n < 3) throw FatalError("latent map: " + std::to_string(n) + " faces: expected at least 3");
  cv::Mat data(n, d, CV_32F, codes.data());
  cv::PCA pca(data, cv::noArray(), cv::PCA::DATA_AS_ROW, 2);
  cv::Mat projected = pca.project(data);  // n x 2
  cv::Mat centred;
  cv::reduce(data, centred, 0, cv::REDUCE_AVG);
  double total = 0;
  for (int i = 0; i < n; ++i) total += cv::norm(data.row(i) - centred, cv::NORM_L2SQR);
  LatentMapResult result;
  result.explained = total > 0 ? (pca.eigenvalues.at<float>(0) + pca.eigenvalues.at<float>(1)) *
                                     n / total
                               : 0.0;
  double lo[2], hi[2];
  for (int c = 0; c < 2; ++c) cv::minMaxLoc(projected.col(c), &lo[c], &hi[c]);
  result.image = cv::Mat(size, size, CV_8UC3, cv::Scalar(255, 255, 255));
  const int legend = 30 + 24 * static_cast<int>(groups.size());
  const int span = size - thumb - 8 - legend;
  for (int i = 0; i < n; ++i) {
    MapPoint p{groups[owner[i].first].name, owner[i].second, projected.at<float>(i, 0),
               projected.at<float>(i, 1)};
    result.points.push_back(p);
    auto place = [&](int c) {
      return hi[c] > lo[c] ? static_cast<int>((projected.at<float>(i, c) - lo[c]) /
                                              (hi[c] - lo[c]) * span)
                           : span / 2;
    };
    const cv::Rect r(4 + place(0), legend + 4 + place(1), thumb, thumb);
    cv::resize(FaceAt(crops, s, i), result.image(r), r.size(), 0, 0, cv::INTER_AREA);
    cv::rectangle(result.image, r, GroupColour(owner[i].first), 2);
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    const int y = 24 + 24 * static_cast<int>(g);
    cv::rectangle(result.image, cv::Rect(8, y - 14, 16, 16), GroupColour(g), cv::FILLED);
    cv::putText(result.image, fmt::format("{} ({} faces)", groups[g].name, groups[g].faces.count),
                {32, y}, cv::FONT_HERSHEY_SIMPLEX, 0.55, {0, 0, 0}, 1, cv::LINE_AA);
  }
  cv::putText(result.image,
              fmt::format("x, y: principal components 1, 2 of the {}-d code ({:.0f}% of its "
                          "variance)",
                          d, 100 * result.explained),
              {size / 3, 24}, cv::FONT_HERSHEY_SIMPLEX, 0.55, {0, 0, 0}, 1, cv::LINE_AA);
  return result;
}


}  // namespace faceswap
