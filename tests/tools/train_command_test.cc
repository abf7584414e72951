// `faceswap train` on real faces: dlib's "johns" aligned face chips (150x150), two identities.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>
#include <thread>

#include "base/check.h"
#include "base/pending_file.h"
#include "models/trainer.h"
#include "pipeline/alignments_file.h"
#include "tests/testing/child_process.h"
#include "tests/testing/samples.h"
#include "tools/face_loader.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
const std::string kBin = FACESWAP_BIN;

using testing::Johns;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(TrainRealFaces, ReconstructionLossFalls) {
  // Tiny configuration: lite model, 4 faces per identity, 60 iterations (~20 s on 2 cores).
  std::vector<FaceSet> faces = {LoadFaces(Johns("John_Salley"), "salley"),
                                LoadFaces(Johns("John_Savage"), "savage")};
  ASSERT_EQ(faces[0].count, 11);
  ASSERT_EQ(faces[0].width, 150);
  TrainOptions o;
  o.architecture = "lite";
  o.batch_size = 4;
  o.learning_rate = 3e-4;
  o.seed = 11;
  o.device = "cpu";
  o.augment.coverage = 0.8;
  Trainer trainer(testing::ScratchDir("train_real"), o, faces);
  const double ssim_before = trainer.EvaluateSsim(faces[0], 0);
  std::vector<double> loss;
  for (int i = 0; i < 60; ++i) {
    const StepResult r = trainer.Step();
    ASSERT_FALSE(r.rolled_back) << r.message;
    loss.push_back(r.loss[0] + r.loss[1]);
  }
  const double first = std::accumulate(loss.begin(), loss.begin() + 10, 0.0) / 10;
  const double last = std::accumulate(loss.end() - 10, loss.end(), 0.0) / 10;
  EXPECT_LT(last, 0.85 * first) << "first 10 mean " << first << ", last 10 mean " << last;
  // The reconstruction got closer to the faces (unaugmented crops).
  EXPECT_GT(trainer.EvaluateSsim(faces[0], 0), ssim_before + 0.05);
}

TEST(TrainCommand, TrainsResumesAndWritesPreviews) {
  const std::string dir = testing::ScratchDir("train_cli");
  const std::string model = dir + "/model";
  const std::string base = kBin + " train -t lite -b 2 --seed 3 --coverage 0.8 -o " + model +
                           " --identity salley=" + Johns("John_Salley") +
                           " --identity savage=" + Johns("John_Savage");
  std::string out;
  ASSERT_EQ(RunCommand(base + " --iterations 3 --preview-every 2 --timelapse " + dir + "/tl", &out),
            0)
      << out;
  EXPECT_NE(out.find("created model"), std::string::npos) << out;
  for (const char* f : {"model.json", "preview.png", "loss.png", "ckpt-000000003/encoder.pt",
                        "ckpt-000000003/decoder1.pt", "ckpt-000000003/optimizer.pt"}) {
    EXPECT_TRUE(fs::exists(fs::path(model) / f)) << f;
  }
  EXPECT_TRUE(fs::exists(dir + "/tl/preview_000000002.png"));
  EXPECT_TRUE(fs::exists(dir + "/tl/preview_000000003.png"));
  const std::string json = ReadFile(fs::path(model) / "model.json");
  EXPECT_NE(json.find("\"iteration\": 3"), std::string::npos) << json;
  EXPECT_NE(json.find("\"identities\": [\"salley\", \"savage\"]"), std::string::npos) << json;

  // Re-running on the folder resumes; --progress json ends with a final line of the run.
  ASSERT_EQ(RunCommand(base + " --iterations 2 --progress json", &out), 0) << out;
  EXPECT_NE(out.find("resuming model"), std::string::npos) << out;
  EXPECT_NE(ReadFile(fs::path(model) / "model.json").find("\"iteration\": 5"), std::string::npos);
  const size_t at = out.rfind("{\"progress\"");
  ASSERT_NE(at, std::string::npos) << out;
  const auto last = nlohmann::json::parse(out.substr(at, out.find('\n', at) - at));
  EXPECT_EQ(last["progress"], "train");
  EXPECT_TRUE(last["final"].get<bool>());
  EXPECT_EQ(last["done"], 2);
  EXPECT_EQ(last["total"], 2);
  EXPECT_EQ(last["iteration"], 5);
  EXPECT_TRUE(last["losses"].contains("salley") && last["losses"].contains("savage")) << last;

  // A different architecture on the same folder is a clear error.
  EXPECT_EQ(RunCommand(kBin + " train -t original -o " + model + " --identity salley=" +
                           Johns("John_Salley") + " --identity savage=" + Johns("John_Savage") +
                           " --iterations 1",
                       &out),
            1);
  EXPECT_NE(out.find("'lite' model"), std::string::npos) << out;
}

// The train command line used by the interrupt tests (lite, tiny batches).
std::string TrainLine(const std::string& model, const std::string& b_folder) {
  return kBin + " train -t lite -b 2 --seed 5 -o " + model + " -A " + Johns("John_Salley") +
         " -B " + b_folder;
}

// SIGINT once training runs: exit 0, and the model saved then loads at the iteration printed.
TEST(TrainCommand, InterruptWhileTrainingSavesALoadableModel) {
  const std::string dir = testing::ScratchDir("train_int");
  testing::ChildProcess train(TrainLine(dir + "/m", Johns("John_Simm")));
  ASSERT_TRUE(train.WaitForOutput("created model")) << train.output();
  train.Signal(SIGINT);
  ASSERT_EQ(train.Wait(), 0) << train.output();
  EXPECT_NE(train.output().find("interrupted: saving"), std::string::npos) << train.output();
  const size_t at = train.output().find("saved at iteration ");
  ASSERT_NE(at, std::string::npos) << train.output();
  const long long saved = std::stoll(train.output().substr(at + 19));
  // The folder resumes from exactly that checkpoint (without -t: the model's own architecture).
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " train -b 2 -o " + dir + "/m -A " + Johns("John_Salley") + " -B " +
                           Johns("John_Simm") + " --iterations 1",
                       &out),
            0)
      << out;
  EXPECT_NE(out.find("resuming model '" + dir + "/m' (lite) at iteration " +
                     std::to_string(saved)),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("saved at iteration " + std::to_string(saved + 1)), std::string::npos) << out;
}

// Identity B's face folder whose alignments.json is a FIFO: loading B blocks in ReadAlignments
// until the test writes to it, so the test knows the process is still loading (no model yet).
// A thread opens the FIFO for writing, which returns exactly when the process opens it for
// reading, and then leaves a file in a watched folder: that is the event the test waits for.
class BlockedLoad {
 public:
  explicit BlockedLoad(const std::string& dir)
      : folder_(dir + "/simm"), events_(dir + "/events") {
    fs::create_directories(folder_);
    fs::create_directories(events_);
    for (const auto& e : fs::directory_iterator(Johns("John_Simm"))) {
      fs::copy_file(e.path(), fs::path(folder_) / e.path().filename());
    }
    fifo_ = folder_ + "/alignments.json";
    EXPECT_EQ(mkfifo(fifo_.c_str(), 0600), 0);
    writer_ = std::thread([this] {
      fd_ = open(fifo_.c_str(), O_WRONLY);
      std::ofstream(events_ + "/reader-opened").put('1');
    });
  }
  ~BlockedLoad() {
    // If the process never opened the FIFO, a reader of our own unblocks the thread.
    const int unblock = open(fifo_.c_str(), O_RDONLY | O_NONBLOCK);
    writer_.join();
    if (unblock >= 0) close(unblock);
    if (fd_ >= 0) close(fd_);
  }
  const std::string& folder() const { return folder_; }
  // Waits until the process has the FIFO open for reading; false if it ended first.
  bool WaitUntilReading(testing::ChildProcess& child) {
    return child.WaitUntil({events_}, [&] { return fs::exists(events_ + "/reader-opened"); });
  }
  // Lets the load finish: a valid, empty alignments file (no landmarks: template regions).
  void Release() {
    const std::string text = AlignmentsToJson(Alignments{});
    EXPECT_EQ(write(fd_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd_);
    fd_ = -1;
  }

 private:
  std::string folder_, events_, fifo_;
  std::thread writer_;
  std::atomic<int> fd_{-1};  // Set by writer_ before it leaves the marker.
};

// SIGINT while the faces are still loading: exit 0, says so, and no model folder is created.
TEST(TrainCommand, InterruptWhileLoadingCreatesNothing) {
  const std::string dir = testing::ScratchDir("train_int_load");
  BlockedLoad load(dir);
  testing::ChildProcess train(TrainLine(dir + "/m", load.folder()));
  ASSERT_TRUE(load.WaitUntilReading(train)) << train.output();
  train.Signal(SIGINT);
  ASSERT_TRUE(train.WaitForOutput("press Ctrl-C again")) << train.output();
  load.Release();
  ASSERT_EQ(train.Wait(), 0) << train.output();
  EXPECT_NE(train.output().find("no model created"), std::string::npos) << train.output();
  EXPECT_FALSE(fs::exists(dir + "/m")) << train.output();
}

// A second SIGINT ends the process at once, even while it is blocked.
TEST(TrainCommand, SecondInterruptAbortsAtOnce) {
  const std::string dir = testing::ScratchDir("train_int_twice");
  BlockedLoad load(dir);
  testing::ChildProcess train(TrainLine(dir + "/m", load.folder()));
  ASSERT_TRUE(load.WaitUntilReading(train)) << train.output();
  train.Signal(SIGINT);
  ASSERT_TRUE(train.WaitForOutput("press Ctrl-C again")) << train.output();
  train.Signal(SIGINT);
  EXPECT_EQ(train.Wait(), 128 + SIGINT) << train.output();
  EXPECT_FALSE(fs::exists(dir + "/m")) << train.output();
}

// Two trains on one model folder: the second refuses at once; once the first is killed
// (-9, so it cannot release anything), the next run takes the stale lock over and says so.
TEST(TrainCommand, OneTrainPerModelFolder) {
  const std::string dir = testing::ScratchDir("train_lock");
  const std::string line = TrainLine(dir + "/m", Johns("John_Simm"));
  testing::ChildProcess first(line);
  ASSERT_TRUE(first.WaitForOutput("created model")) << first.output();
  std::string out;
  EXPECT_EQ(RunCommand(line + " --iterations 1", &out), 1) << out;
  const std::string refusal = "error: model folder '" + dir +
                              "/m' is in use by another faceswap train (pid " +
                              std::to_string(first.pid()) + ")";
  EXPECT_NE(out.find(refusal), std::string::npos) << out;
  first.Signal(SIGKILL);
  first.Wait();
  ASSERT_EQ(RunCommand(line + " --iterations 1", &out), 0) << out;
  EXPECT_NE(out.find("took over the lock of process " + std::to_string(first.pid())),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("resuming model"), std::string::npos) << out;
  // A clean exit releases it: the next run has nothing to take over.
  ASSERT_EQ(RunCommand(line + " --iterations 1", &out), 0) << out;
  EXPECT_EQ(out.find("took over"), std::string::npos) << out;
}

// A file's modification time, or none when it does not exist.
fs::file_time_type ModifiedAt(const fs::path& path) {
  std::error_code ec;
  const auto t = fs::last_write_time(path, ec);
  return ec ? fs::file_time_type::min() : t;
}

// The temporary files and folders in `folder` (base/pending_file.h's one pattern).
std::set<std::string> TempNames(const fs::path& folder) {
  std::set<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (IsTempName(name)) names.insert(name);
  }
  return names;
}

// The moments of a training run at which KillAtEveryMomentOfASaveLosesNothing strikes, each
// recognised by what the process does, never by elapsed time: its start line, or a file of
// the next save appearing or changing in the model folder (leftovers of an earlier killed
// round do not count: they are listed before the round starts).
enum class Moment { kStarted, kWritingCheckpoint, kWritingOptimizer, kReplacingModelJson, kSaved };
constexpr Moment kMoments[] = {Moment::kStarted, Moment::kWritingCheckpoint,
                               Moment::kWritingOptimizer, Moment::kReplacingModelJson,
                               Moment::kSaved};
const char* Name(Moment m) {
  switch (m) {
    case Moment::kStarted: return "after the start line";
    case Moment::kWritingCheckpoint: return "while the checkpoint folder is written";
    case Moment::kWritingOptimizer: return "while optimizer.pt is written";
    case Moment::kReplacingModelJson: return "while model.json is replaced";
    case Moment::kSaved: return "right after a save";
  }
  return "";
}

// kill -9 at 20 moments of runs that save every iteration (4 rounds of each Moment): every
// time the folder resumes from a complete checkpoint and the iteration count never goes back.
TEST(TrainCommand, KillAtEveryMomentOfASaveLosesNothing) {
  const std::string dir = testing::ScratchDir("train_kill");
  const fs::path model = dir + "/m";
  const std::string line = TrainLine(model.string(), Johns("John_Simm")) + " --save-every 1";
  long long last = -1;
  for (int round = 0; round < 20; ++round) {
    const Moment moment = kMoments[round % std::size(kMoments)];
    const std::string where = "round " + std::to_string(round) + ", " + Name(moment);
    const auto json_before = ModifiedAt(model / "model.json");
    const std::set<std::string> temps_before = TempNames(model);
    testing::ChildProcess train(line);
    ASSERT_TRUE(train.WaitForOutput(" model '")) << train.output();  // created / resuming
    ASSERT_TRUE(train.WaitForOutput(" at iteration ")) << train.output();
    ASSERT_TRUE(train.WaitForOutput(";")) << train.output();
    const std::string& text = train.output();
    const long long iteration = std::stoll(text.substr(text.rfind(" at iteration ") + 14));
    if (round > 0) EXPECT_NE(text.find("resuming model"), std::string::npos) << where << text;
    EXPECT_GE(iteration, last) << where << ": iteration went back\n" << text;
    last = iteration;
    // The next save's temporary folder, .ckpt-<iteration + 1>.partial-... (a round's first
    // save), and model.json's temporary file; a killed round's leftovers do not count.
    char next[40];
    std::snprintf(next, sizeof next, ".ckpt-%09lld.partial-", iteration + 1);
    auto new_temp = [&](const std::string& prefix) {
      for (const std::string& name : TempNames(model)) {
        if (name.rfind(prefix, 0) == 0 && !temps_before.count(name)) return model / name;
      }
      return fs::path();
    };
    auto changed = [](const fs::path& p, fs::file_time_type before) {
      const auto now = ModifiedAt(p);
      return now != fs::file_time_type::min() && now != before;
    };
    bool reached = true;
    switch (moment) {
      case Moment::kStarted: break;
      case Moment::kWritingCheckpoint:
        reached = train.WaitUntil({dir}, [&] { return !new_temp(next).empty(); });
        break;
      case Moment::kWritingOptimizer:
        reached = train.WaitUntil({dir}, [&] {
          const fs::path temp = new_temp(next);
          return !temp.empty() && fs::exists(temp / "optimizer.pt");
        });
        break;
      case Moment::kReplacingModelJson:
        reached = train.WaitUntil({dir}, [&] { return !new_temp(".model.partial-").empty(); });
        break;
      case Moment::kSaved:
        reached =
            train.WaitUntil({dir}, [&] { return changed(model / "model.json", json_before); });
        break;
    }
    ASSERT_TRUE(reached) << where << ": the run ended first\n" << train.output();
    train.Signal(SIGKILL);
    EXPECT_EQ(train.Wait(), 128 + SIGKILL) << where << "\n" << train.output();
  }
  std::string out;
  ASSERT_EQ(RunCommand(line + " --iterations 1", &out), 0) << out;
  EXPECT_NE(out.find("resuming model"), std::string::npos) << out;
  // The killed rounds' temporary files and folders: removed by the next save.
  EXPECT_EQ(TempNames(model), std::set<std::string>{}) << out;
}

TEST(TrainCommand, BadInputsAreOneLineErrors) {
  const std::string dir = testing::ScratchDir("train_bad");
  std::string out;
  EXPECT_EQ(RunCommand(kBin + " train -o " + dir + "/m -A " + Johns("John_Salley"), &out), 1);
  EXPECT_NE(out.find("at least 2 identities"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(kBin + " train -o " + dir + "/m -A " + Johns("John_Salley") +
                           " -B /no/such/folder",
                       &out),
            1);
  EXPECT_NE(out.find("/no/such/folder"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(kBin + " train -o " + dir + "/m --identity justaname", &out), 1);
  EXPECT_NE(out.find("NAME=FOLDER"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir + "/m"));
}

TEST(PackFaces, PackedSetTrainsLikeTheFolder) {
  const std::string dir = testing::ScratchDir("pack");
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " pack-faces -i " + Johns("John_Shimkus") + " -o " + dir +
                           "/shimkus.faces",
                       &out),
            0)
      << out;
  const FaceSet packed = LoadFaces(dir + "/shimkus.faces", "x");
  const FaceSet folder = LoadFaces(Johns("John_Shimkus"), "x");
  EXPECT_EQ(packed.count, folder.count);
  EXPECT_EQ(packed.pixels, folder.pixels);
  EXPECT_THROW(LoadFaces(Johns("John_Shimkus") + "/000373_03228153.jpg", "x"), FatalError);
}

}  // namespace
}  // namespace faceswap
