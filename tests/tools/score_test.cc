// `faceswap score` end to end on real video: 36 frames of Franck (with an audio track) scored
// against itself, against copies made here with each face region Gaussian-blurred or pasted
// back shifted with a hard edge (their change masks written as convert's --mask-out would),
// and the bad inputs. Source refs: another stretch of Franck's video (a video ref); target
// refs: dlib's John_Salley chips. Needs samples/fetch.sh and samples/fetch-models.sh.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "pipeline/image_folder_writer.h"
#include "pipeline/video_reader.h"
#include "pipeline/video_writer.h"
#include "tests/testing/media_probe.h"
#include "tests/testing/samples.h"
#include "tests/testing/shared_fixture.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;
using testing::Quote;
using testing::RunCommand;
const std::string kBin = FACESWAP_BIN;

constexpr int kFrames = 36;
constexpr double kPsnrCap = 99.0;  // tools/score_metrics.h

nlohmann::json ReadJson(const std::string& path) {
  return nlohmann::json::parse(testing::ReadFile(path), nullptr, false);
}

cv::Rect FaceRect(const nlohmann::json& box, double grow, const cv::Size& frame) {
  const double w = box[2].get<double>() * grow, h = box[3].get<double>() * grow;
  const double cx = box[0].get<double>() + box[2].get<double>() / 2;
  const double cy = box[1].get<double>() + box[3].get<double>() / 2;
  return cv::Rect(cvRound(cx - w / 2), cvRound(cy - h / 2), cvRound(w), cvRound(h)) &
         cv::Rect(0, 0, frame.width, frame.height);
}

// Writes a copy of `in` where `edit` changed each frame's face region (the first face of the
// frame in `self`, the identical run's report); `masks` gets each frame's changed region.
void EditCopy(const std::string& in, const nlohmann::json& self, const std::string& out,
              const std::string& masks,
              const std::function<cv::Rect(cv::Mat&, const cv::Rect& face)>& edit) {
  VideoReader reader(in);
  const StreamFormat format = reader.Open();
  VideoWriter writer(out, format);
  ImageFolderWriter mask_writer(masks);
  Frame frame;
  size_t i = 0;
  while (reader.ReadFrame(frame)) {
    const auto& faces = self["frames"][i++]["faces"];
    Frame mask;
    mask.index = frame.index;
    mask.image = cv::Mat::zeros(frame.image.size(), CV_8UC1);
    if (!faces.empty()) {
      const cv::Rect face = FaceRect(faces[0]["input_box"], 1.0, frame.image.size());
      mask.image(edit(frame.image, face)).setTo(255);
    }
    frame.changed = mask.image;  // What convert's stages mark: the writer keeps the rest.
    writer.Write(frame);
    mask_writer.Write(mask);
  }
  writer.Finish();
}

class ScoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dir_ = new std::string(testing::SharedFixture("score", kBin, Build)); }
  static void TearDownTestSuite() { delete dir_; }

  static std::string Refs() {
    return " --target-refs " + Quote(testing::Johns("John_Salley")) + " --source-refs " +
           Quote(*dir_ + "/ref.mp4") + " --ref-frames 8";
  }
  // `faceswap score` of `output` against in.mp4 (+ args); its exit code, the output in `out`.
  static int Score(const std::string& output, const std::string& args, std::string* out) {
    return RunCommand(kBin + " score --progress off --input " + Quote(*dir_ + "/in.mp4") +
                          " --output " + Quote(output) + Refs() + " " + args,
                      out);
  }
  // The report of a successful run.
  static nlohmann::json Report(const std::string& output, const std::string& args) {
    const std::string json = testing::ScratchDir("score-report") + "/report.json";
    std::string out;
    EXPECT_EQ(Score(output, args + " -o " + Quote(json), &out), 0) << out;
    return ReadJson(json);
  }

  static void Build(const std::string& d) {
    const std::string franck = testing::SampleMedia("franck.mp4");
    // The input: Franck's first 36 frames with a sine audio track; the source refs: 2 s of
    // Franck from a minute later.
    ASSERT_TRUE(testing::Ffmpeg("-i " + franck + " -f lavfi -i sine=f=440:d=2 -map 0:v -map 1:a " +
                                "-frames:v " + std::to_string(kFrames) +
                                " -c:v libx264 -crf 18 -pix_fmt yuv420p -c:a aac -shortest " + d +
                                "/in.mp4"));
    ASSERT_TRUE(testing::Ffmpeg("-ss 60 -i " + franck +
                                " -frames:v 48 -an -c:v libx264 -crf 18 -pix_fmt yuv420p " + d +
                                "/ref.mp4"));
    std::string out;
    const std::string self = d + "/self.json";
    ASSERT_EQ(RunCommand(kBin + " score --progress off --input " + d + "/in.mp4 --output " + d +
                             "/in.mp4 --target-refs " + Quote(testing::Johns("John_Salley")) +
                             " --source-refs " + d + "/ref.mp4 --ref-frames 8 -o " + self,
                         &out),
              0)
        << out;
    fs::create_directories(d + "/self_masks");
    const nlohmann::json report = ReadJson(self);
    ASSERT_EQ(report["frames"].size(), static_cast<size_t>(kFrames));
    // Blurred: the face box grown 20%, Gaussian sigma 8.
    EditCopy(d + "/in.mp4", report, d + "/blur.mp4", d + "/blur_masks",
             [](cv::Mat& image, const cv::Rect& face) {
               const cv::Rect r = FaceRect(nlohmann::json::array({face.x, face.y, face.width,
                                                                  face.height}),
                                           1.2, image.size());
               cv::GaussianBlur(image(r).clone(), image(r), cv::Size(0, 0), 8);
               return r;
             });
    // Shifted: the inner 70% of the face box pasted back 8 px right and 6 px down.
    EditCopy(d + "/in.mp4", report, d + "/shift.mp4", d + "/shift_masks",
             [](cv::Mat& image, const cv::Rect& face) {
               const cv::Rect inner = FaceRect(nlohmann::json::array({face.x, face.y, face.width,
                                                                      face.height}),
                                               0.7, image.size());
               const cv::Rect to = (inner + cv::Point(8, 6)) & cv::Rect(0, 0, image.cols, image.rows);
               image(to - cv::Point(8, 6)).clone().copyTo(image(to));
               return to;
             });
    // The identical run's masks (the shift masks: a region that did not change).
    for (const auto& e : fs::directory_iterator(d + "/shift_masks")) {
      fs::copy(e.path(), d + "/self_masks/" + e.path().filename().string());
    }
  }
  static std::string Dir() { return *dir_; }
  static std::string* dir_;
};
std::string* ScoreTest::dir_ = nullptr;

double Mean(const nlohmann::json& pooled_value) {
  return pooled_value["mean"].is_number() ? pooled_value["mean"].get<double>() : NAN;
}
double Median(const nlohmann::json& pooled_value) {
  return pooled_value["median"].is_number() ? pooled_value["median"].get<double>() : NAN;
}

TEST_F(ScoreTest, VideoAgainstItselfScoresPerfect) {
  const nlohmann::json r = ReadJson(Dir() + "/self.json");
  const nlohmann::json& p = r["pooled"];
  EXPECT_EQ(r["paired_frames"], kFrames);
  EXPECT_EQ(r["frame_counts_match"], true);
  EXPECT_EQ(r["max_time_difference"], 0.0);
  EXPECT_EQ(r["audio_kept"], true);
  EXPECT_EQ(r["mask_source"], "derived");
  EXPECT_EQ(p["detection"]["input_faces"], kFrames) << "one face per frame of Franck";
  EXPECT_EQ(p["detection"]["detected"], 1.0);
  EXPECT_EQ(Mean(p["landmark_error"]), 0.0);
  EXPECT_GT(p["jitter"]["triplets"].get<int>(), kFrames - 4);
  EXPECT_GT(p["jitter"]["input"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(p["jitter"]["ratio"].get<double>(), 1.0);
  EXPECT_EQ(Mean(p["psnr_outside"]), kPsnrCap);
  EXPECT_EQ(p["psnr_inside"]["count"], 0) << "nothing changed: no change mask";
  // Sanity of the references: Franck is his own source and not John Salley.
  EXPECT_LT(Mean(p["identity"]["input_d_source"]), 0.45);
  EXPECT_GT(Mean(p["identity"]["input_d_target"]), 0.7);
  EXPECT_EQ(p["identity"]["target_below"], 0.0);
  EXPECT_EQ(p["identity"]["source_above"], 0.0);
  EXPECT_GT(r["references"]["source"]["faces"].get<int>(), 4);
  EXPECT_EQ(r["references"]["target"]["faces"], 11);
}

TEST_F(ScoreTest, BlurredFacesLoseIdentityAndPsnrInside) {
  const nlohmann::json self = ReadJson(Dir() + "/self.json")["pooled"];
  const nlohmann::json r = Report(Dir() + "/blur.mp4", "");
  const nlohmann::json& p = r["pooled"];
  EXPECT_EQ(r["audio_kept"], false) << "the copy was written without audio";
  EXPECT_GT(p["detection"]["detected"].get<double>(), 0.5);
  EXPECT_GT(Mean(p["identity"]["output_d_source"]), Mean(self["identity"]["input_d_source"]) + 0.1);
  EXPECT_LT(Mean(p["psnr_inside"]), 30.0);
  EXPECT_GT(Mean(p["psnr_outside"]), Mean(p["psnr_inside"]) + 5.0);
  EXPECT_GT(Mean(p["landmark_error"]), 0.0);
  // With convert-style masks of the blurred region: PSNR inside is as low.
  const nlohmann::json m = Report(Dir() + "/blur.mp4", "--masks " + Quote(Dir() + "/blur_masks"));
  EXPECT_EQ(m["mask_source"], "masks");
  EXPECT_LT(Mean(m["pooled"]["psnr_inside"]), 30.0);
  EXPECT_EQ(m["pooled"]["psnr_inside"]["count"], kFrames);
}

TEST_F(ScoreTest, ShiftedHardPasteRaisesTheSeamRatio) {
  const std::string masks = "--masks " + Quote(Dir() + "/shift_masks");
  const nlohmann::json same = Report(Dir() + "/in.mp4", "--masks " + Quote(Dir() + "/self_masks"));
  EXPECT_DOUBLE_EQ(Median(same["pooled"]["seam_ratio"]), 1.0);
  EXPECT_EQ(Mean(same["pooled"]["psnr_inside"]), kPsnrCap);
  const nlohmann::json shifted = Report(Dir() + "/shift.mp4", masks);
  EXPECT_GT(Median(shifted["pooled"]["seam_ratio"]), 1.5);
  EXPECT_GT(Mean(shifted["pooled"]["seam_ratio"]), 1.5);
  // The derived mask finds the same seam.
  const nlohmann::json derived = Report(Dir() + "/shift.mp4", "");
  EXPECT_GT(Median(derived["pooled"]["seam_ratio"]), 1.3);
  EXPECT_GT(Mean(derived["pooled"]["landmark_error"]), 0.03) << "the face moved by 8 px";
}

TEST_F(ScoreTest, PrintsATableAndWritesASheetOfTheWorstFrames) {
  const std::string sheet = testing::ScratchDir("score-sheet") + "/worst.png";
  std::string out;
  ASSERT_EQ(Score(Dir() + "/shift.mp4", "--sheet " + Quote(sheet) + " --sheet-frames 3", &out), 0)
      << out;
  for (const char* row : {"detected", "landmark error", "jitter ratio", "PSNR inside mask",
                          "PSNR outside mask", "seam ratio", "frames in/out", "audio kept"}) {
    EXPECT_NE(out.find(row), std::string::npos) << row << " missing from\n" << out;
  }
  const cv::Mat png = cv::imread(sheet);
  ASSERT_FALSE(png.empty()) << out;
  EXPECT_GT(png.cols, 2 * 2 * 160) << "two tiles in a row, two crops in a tile";
  EXPECT_GT(png.rows, 2 * 160) << "three tiles: two rows";
}

TEST_F(ScoreTest, ShorterOutputIsReportedAndPairedByIndex) {
  const std::string shorter = testing::ScratchDir("score-short") + "/short.mp4";
  ASSERT_TRUE(testing::Ffmpeg("-i " + Dir() + "/in.mp4 -frames:v 30 -c copy " + shorter));
  const nlohmann::json r = Report(shorter, "");
  EXPECT_EQ(r["frame_counts_match"], false);
  EXPECT_EQ(r["input"]["frames"], kFrames);
  EXPECT_EQ(r["output"]["frames"], 30);
  EXPECT_EQ(r["paired_frames"], 30);
  EXPECT_EQ(r["frames"].size(), static_cast<size_t>(kFrames));
  EXPECT_TRUE(r["frames"][kFrames - 1]["output_time"].is_null());
}

// The error line of a failed run ("" if none).
std::string ErrorLine(const std::string& out) {
  const size_t at = out.find("error: ");
  return at == std::string::npos ? "" : out.substr(at, out.find('\n', at) - at);
}

TEST_F(ScoreTest, BadInputsFailNamingTheValue) {
  const std::string d = testing::ScratchDir("score-bad");
  std::string out;
  // Another frame size.
  const std::string small = d + "/small.mp4";
  ASSERT_TRUE(testing::Ffmpeg("-i " + Dir() + "/in.mp4 -vf scale=180:144 -c:v libx264 " + small));
  EXPECT_EQ(Score(small, "", &out), 1) << out;
  EXPECT_NE(ErrorLine(out).find("180x144"), std::string::npos) << out;
  EXPECT_NE(ErrorLine(out).find("360x288"), std::string::npos) << out;
  // A missing output.
  EXPECT_EQ(Score(d + "/missing.mp4", "", &out), 1) << out;
  EXPECT_NE(ErrorLine(out).find("missing.mp4"), std::string::npos) << out;
  // References without a face.
  const std::string blank = d + "/blank.png";
  ASSERT_TRUE(cv::imwrite(blank, cv::Mat(200, 200, CV_8UC3, cv::Scalar(40, 90, 200))));
  EXPECT_EQ(RunCommand(kBin + " score --progress off --input " + Dir() + "/in.mp4 --output " +
                           Dir() + "/in.mp4 --target-refs " + blank + " --source-refs " + blank,
                       &out),
            1)
      << out;
  EXPECT_NE(ErrorLine(out).find("blank.png"), std::string::npos) << out;
  // A masks folder without this video's masks.
  fs::create_directories(d + "/masks");
  EXPECT_EQ(Score(Dir() + "/in.mp4", "--masks " + d + "/masks", &out), 1) << out;
  EXPECT_NE(ErrorLine(out).find("000000.png"), std::string::npos) << out;
  // A report in a folder that does not exist fails before any work.
  EXPECT_EQ(Score(Dir() + "/in.mp4", "-o " + d + "/no/such/report.json", &out), 1) << out;
  EXPECT_NE(ErrorLine(out).find("report.json"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(d + "/no"));
}

}  // namespace
}  // namespace faceswap
