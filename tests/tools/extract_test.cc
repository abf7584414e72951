// `faceswap extract` end to end on real video and photos, run as a subprocess.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "pipeline/alignments_file.h"
#include "pipeline/video_reader.h"
#include "pipeline/video_writer.h"
#include "tests/testing/child_process.h"
#include "tests/testing/media_probe.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
const std::string kBin = FACESWAP_BIN;

using testing::Quote;

// Runs `faceswap extract` with `args`; returns the exit code, output in *out.
int Extract(const std::string& args, std::string* out) {
  return RunCommand(kBin + " extract --progress off " + args, out);
}

std::vector<std::string> Files(const std::string& dir, const std::string& ext) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ext) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Resumes an interrupted extract (`common` args, alignments in `dir`) that had `done` frames:
// the rest is done, nothing twice, and the complete file lists frames 0, every, 2 * every, ...
// (`total` of them) in order.
void ExpectResumeCompletes(const std::string& common, const std::string& dir, size_t done,
                           int total, int every = 1) {
  std::string out;
  ASSERT_EQ(Extract(common + " --skip-existing", &out), 0) << out;
  EXPECT_NE(out.find("(" + std::to_string(done) + " skipped as done)"), std::string::npos) << out;
  const Alignments full = ReadAlignments(dir + "/alignments.json");
  EXPECT_TRUE(full.complete);
  ASSERT_EQ(full.sources[0].frames.size(), static_cast<size_t>(total));
  for (int i = 0; i < total; ++i) EXPECT_EQ(full.sources[0].frames[i].index, i * every);
}

TEST(Extract, WritesAlignedFacesForAFrameRange) {
  const std::string video = testing::SampleMedia("franck.mp4");
  const std::string dir = testing::ScratchDir("extract");
  std::string out;
  ASSERT_EQ(Extract("-i " + Quote(video) + " -o " + Quote(dir + "/faces") +
                        " --start 100 --end 124 --every 3 --size 128",
                    &out),
            0)
      << out;
  const auto pngs = Files(dir + "/faces", ".png");
  ASSERT_EQ(pngs.size(), 8u) << out;  // 100, 103, ..., 121
  EXPECT_EQ(pngs.front(), "franck_000100_0.png");
  EXPECT_EQ(pngs.back(), "franck_000121_0.png");
  const cv::Mat face = cv::imread(dir + "/faces/franck_000103_0.png");
  EXPECT_EQ(face.size(), cv::Size(128, 128));
  const Alignments a = ReadAlignments(dir + "/faces/alignments.json");
  EXPECT_EQ(a.convention.size, 128);
  ASSERT_EQ(a.sources[0].frames.size(), 8u);
  EXPECT_EQ(a.sources[0].frames[1].index, 103);
  // Leftover temp files would show up here.
  EXPECT_EQ(Files(dir + "/faces", ".part").size(), 0u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir + "/faces"), fs::directory_iterator()), 9);
}

// --progress json: every progress line on stderr is one JSON object; the last is final and
// counts every frame of the range.
TEST(Extract, JsonProgressLinesParseAndReachTheTotal) {
  const std::string dir = testing::ScratchDir("extract_json");
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " --progress json extract -i " +
                           Quote(testing::SampleMedia("franck.mp4")) + " -o " +
                           Quote(dir + "/faces") + " --end 48 --no-faces",
                       &out),
            0)
      << out;
  std::istringstream lines(out);
  std::string line, last;
  int json_lines = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("{\"progress\"", 0) != 0) continue;
    ++json_lines;
    EXPECT_NE(line.find("\"unit\":\"frames\""), std::string::npos) << line;
    last = line;
  }
  ASSERT_GE(json_lines, 1) << out;
  EXPECT_NE(last.find("\"final\":true"), std::string::npos) << last;
  EXPECT_NE(last.find("\"done\":48"), std::string::npos) << last;
  EXPECT_NE(last.find("\"total\":48"), std::string::npos) << last;
  EXPECT_EQ(out.find("\r"), std::string::npos) << "no redrawn human-readable line";
}

TEST(Extract, SkipExistingResumes) {
  const std::string video = testing::SampleMedia("franck.mp4");
  const std::string dir = testing::ScratchDir("extract");
  std::string out;
  const std::string common = "-i " + Quote(video) + " -o " + Quote(dir) + " --no-faces";
  ASSERT_EQ(Extract(common + " --end 20", &out), 0) << out;
  ASSERT_EQ(Extract(common + " --end 30 --skip-existing", &out), 0) << out;
  EXPECT_NE(out.find("10 frames (20 skipped as done)"), std::string::npos) << out;
  const Alignments a = ReadAlignments(dir + "/alignments.json");
  ASSERT_EQ(a.sources[0].frames.size(), 30u);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(a.sources[0].frames[i].index, i);
  // Without --skip-existing the file is redone from scratch.
  ASSERT_EQ(Extract(common + " --end 5", &out), 0) << out;
  EXPECT_EQ(ReadAlignments(dir + "/alignments.json").sources[0].frames.size(), 5u);
}

TEST(Extract, ResumesAfterBeingKilled) {
  const std::string video = testing::SampleMedia("franck.mp4");
  const std::string dir = testing::ScratchDir("extract");
  const std::string common =
      "-i " + Quote(video) + " -o " + Quote(dir) + " --no-faces --end 300";
  // Checkpoint every 0.2 s; SIGKILL as soon as the first checkpoint is on disk.
  {
    testing::ChildProcess extract(kBin + " extract --progress off " + common +
                                  " --checkpoint-seconds 0.2");
    ASSERT_TRUE(extract.WaitUntil({dir}, [&] { return fs::exists(dir + "/alignments.json"); }))
        << extract.output();
    extract.Signal(SIGKILL);
    extract.Wait();
  }
  const Alignments partial = ReadAlignments(dir + "/alignments.json");
  ASSERT_FALSE(partial.complete) << "extract finished before it could be interrupted";
  const size_t done = partial.sources[0].frames.size();
  EXPECT_GT(done, 0u);
  EXPECT_LT(done, 300u);
  ExpectResumeCompletes(common, dir, done, 300);
}

// Ctrl-C once faces are being written: exit 1 saying how to resume, only complete files in
// the folder, and an incomplete alignments file that --skip-existing carries on from.
TEST(Extract, InterruptKeepsAResumablePartialFile) {
  const std::string video = testing::SampleMedia("franck.mp4");
  const std::string dir = testing::ScratchDir("extract_int");
  const std::string common = "-i " + Quote(video) + " -o " + Quote(dir) + " --every 16";
  testing::ChildProcess extract(kBin + " extract --progress off " + common);
  ASSERT_TRUE(extract.WaitUntil({dir}, [&] { return !Files(dir, ".png").empty(); }))
      << extract.output();
  extract.Signal(SIGINT);
  ASSERT_EQ(extract.Wait(), 1) << extract.output();
  EXPECT_NE(extract.output().find("run again with --skip-existing"), std::string::npos)
      << extract.output();
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    EXPECT_TRUE(e.path().extension() == ".png" || name == "alignments.json") << name;
  }
  const Alignments partial = ReadAlignments(dir + "/alignments.json");
  ASSERT_FALSE(partial.complete) << extract.output();
  const size_t done = partial.sources[0].frames.size();
  EXPECT_LT(done, 300u);
  ExpectResumeCompletes(common, dir, done, 300, 16);
  EXPECT_EQ(Files(dir, ".png").size(), 300u);
}

// By default most frames are searched only near the previous frame's face (every 8th and
// any frame that lost it: the whole frame); that must find the same face, with landmarks as
// close as a whole-frame search on every frame gives.
TEST(Extract, SearchingNearThePreviousFaceFollowsIt) {
  const std::string video = testing::SampleMedia("franck.mp4");
  const std::string dir = testing::ScratchDir("extract");
  std::string out;
  const std::string common = "-i " + Quote(video) + " --no-faces --start 300 --end 360";
  ASSERT_EQ(Extract(common + " -o " + Quote(dir + "/det") + " --redetect-every 1", &out), 0) << out;
  ASSERT_EQ(Extract(common + " -o " + Quote(dir + "/trk"), &out), 0) << out;
  const auto det = ReadAlignments(dir + "/det/alignments.json").sources[0].frames;
  const auto trk = ReadAlignments(dir + "/trk/alignments.json").sources[0].frames;
  ASSERT_EQ(det.size(), 60u);
  ASSERT_EQ(trk.size(), 60u);
  double sum = 0;
  int n = 0;
  for (size_t i = 0; i < det.size(); ++i) {
    ASSERT_EQ(det[i].faces.size(), 1u) << i;
    ASSERT_EQ(trk[i].faces.size(), 1u) << i;
    for (int p = 0; p < 68; ++p) {
      sum += cv::norm(det[i].faces[0].landmarks[p] - trk[i].faces[0].landmarks[p]);
      ++n;
    }
  }
  // Same face, landmarks within a couple of pixels of per-frame detection.
  EXPECT_LT(sum / n, 2.0);
}

TEST(Extract, ParallelWorkersGiveTheSameResultAsOne) {
  const std::string video = testing::SampleMedia("franck.mp4");
  const std::string dir = testing::ScratchDir("extract");
  const std::string common = "-i " + Quote(video) + " --no-faces --start 400 --end 440";
  std::string out;
  ASSERT_EQ(Extract(common + " --threads 1 -o " + Quote(dir + "/one"), &out), 0) << out;
  ASSERT_EQ(Extract(common + " --threads 3 -o " + Quote(dir + "/three"), &out), 0) << out;
  const auto one = ReadAlignments(dir + "/one/alignments.json").sources[0].frames;
  const auto three = ReadAlignments(dir + "/three/alignments.json").sources[0].frames;
  ASSERT_EQ(one.size(), 40u);
  ASSERT_EQ(three.size(), 40u);
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].index, three[i].index);
    ASSERT_EQ(one[i].faces.size(), three[i].faces.size());
    for (size_t k = 0; k < one[i].faces.size(); ++k) {
      EXPECT_EQ(one[i].faces[k].box, three[i].faces[k].box);
      EXPECT_EQ(one[i].faces[k].landmarks, three[i].faces[k].landmarks);
    }
  }
}

TEST(Extract, HaarDetectorEndToEnd) {
  const std::string video = testing::SampleMedia("franck.mp4");
  const std::string dir = testing::ScratchDir("extract");
  std::string out;
  ASSERT_EQ(Extract("-i " + Quote(video) + " -o " + Quote(dir) +
                        " --detector detect/opencv-haar --max-faces 1 --end 48 --every 2",
                    &out),
            0)
      << out;
  const Alignments a = ReadAlignments(dir + "/alignments.json");
  EXPECT_EQ(a.sources[0].detector, "detect/opencv-haar");
  ASSERT_EQ(a.sources[0].frames.size(), 24u);
  int with_face = 0;
  for (const auto& f : a.sources[0].frames) {
    EXPECT_LE(f.faces.size(), 1u);
    with_face += f.faces.size() == 1 && f.faces[0].landmarks.size() == 68;
  }
  EXPECT_GE(with_face, 22) << out;
  EXPECT_EQ(Files(dir, ".png").size(), static_cast<size_t>(with_face));
}

TEST(Extract, ImageFolderUsesImageNames) {
  const std::string dir = testing::ScratchDir("extract");
  fs::create_directories(dir + "/in");
  for (const char* name : {"Tom_Cruise_avp_2014_4.jpg", "2008_002506.jpg", "dogs.jpg"}) {
    fs::copy_file(testing::DlibExample(std::string("faces/") + name), dir + "/in/" + name);
  }
  std::string out;
  ASSERT_EQ(
      Extract("-i " + Quote(dir + "/in") + " -o " + Quote(dir + "/out"), &out),
      0)
      << out;
  const auto pngs = Files(dir + "/out", ".png");
  EXPECT_EQ(pngs.size(), 4u) << out;
  EXPECT_NE(std::find(pngs.begin(), pngs.end(), "Tom_Cruise_avp_2014_4_000001_0.png"), pngs.end());
  const Alignments a = ReadAlignments(dir + "/out/alignments.json");
  ASSERT_EQ(a.sources[0].frames.size(), 3u);
  EXPECT_EQ(a.sources[0].frames[0].name, "2008_002506");
  EXPECT_EQ(a.sources[0].frames[0].faces.size(), 3u);
  EXPECT_EQ(a.sources[0].frames[2].faces.size(), 0u);  // dogs
}

TEST(Extract, VideoWithoutFacesWarnsAndSucceeds) {
  const std::string dir = testing::ScratchDir("extract");
  // A short clip of dlib's dogs photo, encoded with our own writer.
  cv::Mat dogs = cv::imread(testing::DlibExample("faces/dogs.jpg"));
  ASSERT_FALSE(dogs.empty());
  cv::resize(dogs, dogs, cv::Size(640, 480));
  StreamFormat format;
  format.width = 640;
  format.height = 480;
  format.fps = 10;
  format.time_base_num = 1;
  format.time_base_den = 10;
  {
    VideoWriter writer(dir + "/dogs.mp4", format);
    for (int i = 0; i < 10; ++i) {
      Frame f;
      f.index = i;
      f.pts = i;
      f.image = dogs;
      writer.Write(f);
    }
    writer.Finish();
  }
  std::string out;
  ASSERT_EQ(Extract("-i " + Quote(dir + "/dogs.mp4") + " -o " + Quote(dir + "/out"), &out), 0)
      << out;
  EXPECT_NE(out.find("warning: no face found in any of the 10 frames"), std::string::npos) << out;
  const Alignments a = ReadAlignments(dir + "/out/alignments.json");
  ASSERT_EQ(a.sources[0].frames.size(), 10u);
  for (const auto& f : a.sources[0].frames) EXPECT_TRUE(f.faces.empty());
  EXPECT_TRUE(Files(dir + "/out", ".png").empty());
}

TEST(Extract, UnreadableVideoIsAClearError) {
  const std::string dir = testing::ScratchDir("extract");
  std::ofstream(dir + "/broken.mp4") << "this is not a video";
  std::string out;
  EXPECT_EQ(Extract("-i " + Quote(dir + "/broken.mp4") + " -o " + Quote(dir + "/out"), &out), 1);
  EXPECT_NE(out.find("error: "), std::string::npos) << out;
  EXPECT_NE(out.find("broken.mp4"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir + "/out/alignments.json"));
  EXPECT_EQ(Extract("-i " + Quote(dir + "/missing.mp4") + " -o " + Quote(dir + "/out"), &out), 1);
  EXPECT_NE(out.find("missing.mp4"), std::string::npos) << out;
}

TEST(Extract, MissingLandmarkModelNamesThePackage) {
  const std::string dir = testing::ScratchDir("extract");
  std::string out;
  EXPECT_EQ(Extract("-i " + Quote(testing::SampleMedia("franck.mp4")) + " -o " + Quote(dir) +
                        " --landmark-model /nonexistent/sp68.dat",
                    &out),
            1);
  EXPECT_NE(out.find("/nonexistent/sp68.dat"), std::string::npos) << out;
  EXPECT_NE(out.find("libdlib-data"), std::string::npos) << out;
}

TEST(Extract, UnwritableOutputIsAClearError) {
  const std::string dir = testing::ScratchDir("extract");
  std::ofstream(dir + "/file") << "x";
  std::string out;
  EXPECT_EQ(Extract("-i " + Quote(testing::SampleMedia("franck.mp4")) + " -o " +
                        Quote(dir + "/file/faces"),
                    &out),
            1);
  EXPECT_NE(out.find("file/faces"), std::string::npos) << out;
  EXPECT_EQ(out.find('\n'), out.rfind('\n')) << "expected a one-line error:\n" << out;
}

TEST(Extract, BadOptionValuesAreRejected) {
  const std::string dir = testing::ScratchDir("extract");
  const std::string io = " -i " + Quote(testing::SampleMedia("franck.mp4")) + " -o " + Quote(dir);
  std::string out;
  EXPECT_NE(Extract(io + " --every 0", &out), 0);
  EXPECT_NE(out.find("every"), std::string::npos) << out;
  EXPECT_NE(Extract(io + " --detector detect/nope", &out), 0);
  EXPECT_NE(out.find("detect/dlib-hog"), std::string::npos) << out;
  EXPECT_NE(Extract(io + " --size 4", &out), 0);
  EXPECT_NE(out.find("size"), std::string::npos) << out;
}

// Garbage in the middle of a video: the frames that fail to decode are skipped with a
// warning naming each (frame and time), extract goes on to the end, says how many were
// lost, and every other frame is in the alignments under its own index.
TEST(Extract, DamagedVideoSkipsLostFramesAndFinishes) {
  const std::string dir = testing::ScratchDir("extract-damaged");
  const std::string damaged = testing::MakeDamagedClip(dir);
  ASSERT_FALSE(damaged.empty());
  std::vector<int64_t> decodable;  // What our reader gets out of the damaged file.
  {
    VideoReader reader(damaged);
    Frame frame;
    while (reader.ReadFrame(frame)) decodable.push_back(frame.index);
  }
  const int64_t lost = testing::kDamagedClipFrames - static_cast<int64_t>(decodable.size());
  ASSERT_GT(lost, 0);
  std::string out;
  ASSERT_EQ(Extract("-i " + Quote(damaged) + " -o " + Quote(dir + "/out") + " --no-faces", &out),
            0)
      << out;
  EXPECT_NE(out.find("): decode error, skipped"), std::string::npos) << out;
  EXPECT_NE(out.find(" lost to decode errors"), std::string::npos) << out;
  EXPECT_NE(out.find(std::to_string(lost) + (lost == 1 ? " frame lost" : " frames lost")),
            std::string::npos)
      << out;
  const Alignments a = ReadAlignments(dir + "/out/alignments.json");
  ASSERT_EQ(a.sources[0].frames.size(), decodable.size());
  for (size_t i = 0; i < decodable.size(); ++i) {
    EXPECT_EQ(a.sources[0].frames[i].index, decodable[i]);
  }
  EXPECT_EQ(a.sources[0].frame_count, testing::kDamagedClipFrames);
}

// A damaged and an empty photo among dlib's: each skipped with a warning naming it, the
// others extracted.
TEST(Extract, ImageFolderWithUnreadableImagesGoesOn) {
  const std::string dir = testing::ScratchDir("extract-broken-image");
  fs::create_directories(dir + "/in");
  int photos = 0;
  for (const auto& e : fs::directory_iterator(
           fs::path(testing::DlibExample("faces/2008_002506.jpg")).parent_path())) {
    if (e.path().extension() != ".jpg") continue;
    fs::copy_file(e.path(), dir + "/in/" + e.path().filename().string());
    ++photos;
  }
  ASSERT_GE(photos, 5);
  std::ofstream(dir + "/in/2008_0000_broken.jpg", std::ios::binary) << "\xff\xd8\xff garbage";
  std::ofstream(dir + "/in/zero.png").close();
  std::string out;
  ASSERT_EQ(Extract("-i " + Quote(dir + "/in") + " -o " + Quote(dir + "/out") + " --no-faces",
                    &out),
            0)
      << out;
  EXPECT_NE(out.find("2008_0000_broken.jpg': not a valid PNG/JPEG, skipped"), std::string::npos)
      << out;
  EXPECT_NE(out.find("zero.png': the file is empty (0 bytes), skipped"), std::string::npos) << out;
  EXPECT_NE(out.find("2 frames lost"), std::string::npos) << out;
  const Alignments a = ReadAlignments(dir + "/out/alignments.json");
  ASSERT_EQ(a.sources[0].frames.size(), static_cast<size_t>(photos));
  for (const auto& f : a.sources[0].frames) {
    EXPECT_NE(f.name, "2008_0000_broken");
    EXPECT_NE(f.name, "zero");
  }
}

}  // namespace
}  // namespace faceswap
