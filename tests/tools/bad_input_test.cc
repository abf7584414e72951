// The bad-input matrix: one table of broken inputs and options for every command (extract,
// train, convert, alignments, transcode), all made here from real media. Each row must fail
// cleanly: exit code 1 (2 for usage errors), exactly one line starting with "error: " that
// names the bad value or path and what was expected, only log lines besides it, no crash,
// nothing left in the row's output folder, and every input byte for byte unchanged.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/media_probe.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {
namespace fs = std::filesystem;
using testing::RunCommand;

const std::string kBin = FACESWAP_BIN;

// Folders of one row: its own inputs (hashed with the shared ones) and its output folder.
struct RowDirs {
  std::string in, out;
};

struct Row {
  std::string name;
  int exit_code;  // 1 runtime failure, 2 usage error
  // Makes the row's inputs under dirs.in (and files it expects to stay in dirs.out); returns
  // the command line after `faceswap`. {fix} {in} {out} are replaced, also in `expected`.
  std::function<std::string(const RowDirs&)> prepare;
  std::vector<std::string> expected;  // Pieces of the error line.
};

void WriteFile(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Relative path -> hash of the bytes, for every file (and "/" for every folder) below `dir`.
std::map<std::string, size_t> HashTree(const std::string& dir) {
  std::map<std::string, size_t> hashes;
  if (!fs::exists(dir)) return hashes;
  std::vector<char> buf(1 << 20);
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(e.path(), dir).string();
    if (e.is_directory()) {
      hashes[rel + "/"] = 0;
      continue;
    }
    size_t h = 1469598103934665603ull;
    std::ifstream in(e.path(), std::ios::binary);
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
      h = h * 1099511628211ull ^
          std::hash<std::string_view>{}(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
    }
    hashes[rel] = h;
  }
  return hashes;
}

// "added x, removed y, changed z" between two trees ("" when equal).
std::string TreeDiff(const std::map<std::string, size_t>& before,
                     const std::map<std::string, size_t>& after) {
  std::string diff;
  for (const auto& [path, h] : after) {
    auto it = before.find(path);
    if (it == before.end()) diff += " added " + path;
    else if (it->second != h) diff += " changed " + path;
  }
  for (const auto& [path, h] : before) {
    if (!after.count(path)) diff += " removed " + path;
  }
  return diff;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

class BadInputTest : public ::testing::Test {
 public:
  // Shared inputs (hashed around every row): a 24-frame clip of franck.mp4, an audio-only
  // file, two folders of aligned faces (dlib's johns), a tiny lite model trained on them,
  // and alignments of the clip and of another video (cap13_edit2.mp4).
  static void SetUpTestSuite() {
    root_ = new std::string(testing::ScratchDir("bad-input"));
    const std::string fix = *root_ + "/fix";
    fs::create_directories(fix);
    const std::string franck = testing::SampleMedia("franck.mp4");
    const std::string cap13 = testing::SampleMedia("cap13_edit2.mp4");
    ASSERT_FALSE(franck.empty() || cap13.empty());
    fs::copy(testing::DlibExample("johns/John_Salley"), fix + "/johns_a");
    fs::copy(testing::DlibExample("johns/John_Simm"), fix + "/johns_b");
    ASSERT_TRUE(testing::Ffmpeg("-i " + franck +
                                " -frames:v 24 -an -c:v libx264 -crf 20 -pix_fmt yuv420p " + fix +
                                "/clip.mp4"));
    ASSERT_TRUE(testing::Ffmpeg("-f lavfi -i sine=frequency=440:duration=1 -c:a aac " + fix +
                                "/tone.mp4"));
    std::string out;
    const std::string bin = kBin + " -q --progress off ";
    ASSERT_EQ(RunCommand(bin + "train -t lite -b 2 --iterations 1 --keep 1 -o " + fix +
                             "/model -A " + fix + "/johns_a -B " + fix + "/johns_b",
                         &out), 0) << out;
    // Convert never reads the optimizer state; without it every row hashes 160 MB less.
    for (const auto& e : fs::recursive_directory_iterator(fix + "/model")) {
      if (e.path().filename() == "optimizer.pt") fs::remove(e.path());
    }
    ASSERT_EQ(RunCommand(bin + "extract -i " + cap13 + " -o " + fix + "/cap13 --end 4 --no-faces",
                         &out), 0) << out;
    ASSERT_EQ(RunCommand(bin + "extract -i " + fix + "/clip.mp4 -o " + fix +
                             "/clip_faces --end 4 --no-faces", &out), 0) << out;
  }
  static void TearDownTestSuite() { delete root_; }
  static std::string* root_;
  static std::string Fix() { return *root_ + "/fix"; }

  // A copy of the shared model (hard links: cheap; a row that damages a file replaces it).
  static std::string CopyModel(const std::string& to) {
    fs::copy(Fix() + "/model", to, fs::copy_options::recursive | fs::copy_options::create_hard_links);
    return to;
  }
  static void ReplaceFile(const std::string& path, const std::string& bytes) {
    fs::remove(path);
    WriteFile(path, bytes);
  }
  static std::string Checkpoint(const std::string& model) {
    return model + "/" +
           nlohmann::json::parse(ReadFile(model + "/model.json")).at("checkpoint").get<std::string>();
  }
  // The clip's alignments, edited by `edit`, written to `path`.
  static std::string FuzzAlignments(const std::string& path,
                                    const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = nlohmann::json::parse(ReadFile(Fix() + "/clip_faces/alignments.json"));
    edit(j);
    WriteFile(path, j.dump());
    return path;
  }
};
std::string* BadInputTest::root_ = nullptr;

std::vector<Row> Rows() {
  using D = const RowDirs&;
  const std::string clip = "{fix}/clip.mp4";
  const std::string faces = " -A {fix}/johns_a -B {fix}/johns_b";
  const std::string convert = "convert -i " + clip + " -o {out}/swapped.mp4 ";
  auto text = [](const std::string& rel, const std::string& bytes) {
    return [=](D d) {
      WriteFile(d.in + "/" + rel, bytes);
      return std::string();
    };
  };
  auto truncated = [](D d) {  // The first 20 KB of a real mp4 (its index is at the end).
    const std::string bytes = ReadFile(testing::SampleMedia("franck.mp4"));
    WriteFile(d.in + "/truncated.mp4", bytes.substr(0, 20000));
  };
  auto file_in_out = [](D d) { WriteFile(d.out + "/file.txt", "a regular file\n"); };
  auto model_copy = [](D d) { return BadInputTest::CopyModel(d.in + "/model"); };
  std::vector<Row> rows = {
      // ---- extract: unreadable inputs.
      {"extract/zero-byte-video", 1,
       [=](D d) { text("empty.mp4", "")(d); return "extract -i {in}/empty.mp4 -o {out}/faces"; },
       {"{in}/empty.mp4", "empty (0 bytes)"}},
      {"extract/truncated-video", 1,
       [=](D d) { truncated(d); return "extract -i {in}/truncated.mp4 -o {out}/faces"; },
       {"{in}/truncated.mp4", "moov atom not found"}},
      {"extract/text-file-named-mp4", 1,
       [=](D d) {
         text("notes.mp4", "Meeting notes, not a video.\n")(d);
         return "extract -i {in}/notes.mp4 -o {out}/faces";
       },
       {"{in}/notes.mp4", "Invalid data"}},
      {"extract/audio-only-file", 1, [](D) { return "extract -i {fix}/tone.mp4 -o {out}/faces"; },
       {"{fix}/tone.mp4", "no video stream"}},
      {"extract/missing-input", 1, [](D) { return "extract -i {in}/nowhere.mp4 -o {out}/faces"; },
       {"{in}/nowhere.mp4", "no such file"}},
      {"extract/folder-without-images", 1,
       [=](D d) {
         text("photos/readme.txt", "no pictures here\n")(d);
         return "extract -i {in}/photos -o {out}/faces";
       },
       {"{in}/photos", "no images", ".png"}},
      // ---- extract: outputs.
      {"extract/output-below-a-file", 1,
       [=](D d) { file_in_out(d); return "extract -i " + clip + " -o {out}/file.txt/faces"; },
       {"{out}/file.txt/faces", "Not a directory"}},
      {"extract/alignments-file-is-the-input", 1,
       [=](D) { return "extract -i " + clip + " -o {out}/faces -a " + clip; },
       {clip, "is the input"}},
      // ---- extract: options.
      {"extract/every-negative", 1,
       [=](D) { return "extract -i " + clip + " -o {out}/faces --every -1"; },
       {"-1", "'every'", "expected 1 to"}},
      {"extract/size-huge", 1,
       [=](D) { return "extract -i " + clip + " -o {out}/faces --size 100000"; },
       {"100000", "'size'", "expected 16 to"}},
      {"extract/min-size-negative", 1,
       [=](D) { return "extract -i " + clip + " -o {out}/faces --min-size -5"; },
       {"-5", "'min-size'", "expected 0 to"}},
      {"extract/end-before-start", 1,
       [=](D) { return "extract -i " + clip + " -o {out}/faces --start 10 --end 5"; },
       {"'end'", "5", "more than --start (10)"}},
      {"extract/unknown-detector", 2,
       [=](D) { return "extract -i " + clip + " -o {out}/faces --detector detect/nope"; },
       {"detect/nope", "detect/dlib-hog", "faceswap extract --help"}},
      {"extract/unknown-option", 2,
       [=](D) { return "extract -i " + clip + " -o {out}/faces --bogus 3"; },
       {"--bogus", "faceswap extract --help"}},
      {"extract/no-input-option", 2, [](D) { return "extract -o {out}/faces"; },
       {"--input", "required"}},
      {"global/threads-huge", 2,
       [=](D) { return "--threads 999 extract -i " + clip + " -o {out}/faces"; },
       {"--threads", "999", "0 to 256"}},
      // ---- train: face folders.
      {"train/missing-face-folder", 1,
       [](D) { return "train -A {in}/nowhere -B {fix}/johns_b -o {out}/model --iterations 1"; },
       {"{in}/nowhere", "does not exist"}},
      {"train/folder-without-images", 1,
       [=](D d) {
         text("faces/readme.txt", "no faces here\n")(d);
         return "train -A {in}/faces -B {fix}/johns_b -o {out}/model --iterations 1";
       },
       {"{in}/faces", "no readable face image"}},
      {"train/identity-with-one-face", 1,
       [](D d) {
         fs::create_directories(d.in + "/one");
         const auto first = *fs::directory_iterator(BadInputTest::Fix() + "/johns_a");
         fs::copy_file(first.path(), d.in + "/one/" + first.path().filename().string());
         return "train -A {in}/one -B {fix}/johns_b -o {out}/model --iterations 1";
       },
       {"{in}/one", "1 face", "at least 2"}},
      {"train/photos-not-aligned-faces", 1,
       [](D d) {
         fs::create_directories(d.in + "/photos");
         const std::string dogs = testing::DlibExample("faces/dogs.jpg");
         for (const auto& e : fs::directory_iterator(fs::path(dogs).parent_path())) {
           if (e.path().extension() == ".jpg") {
             fs::copy_file(e.path(), d.in + "/photos/" + e.path().filename().string());
           }
         }
         return "train -A {in}/photos -B {fix}/johns_b -o {out}/model --iterations 1";
       },
       {"{in}/photos/", "expected square aligned faces as written by faceswap extract"}},
      {"train/one-identity", 1, [](D) { return "train -A {fix}/johns_a -o {out}/model --iterations 1"; },
       {"at least 2 identities", "-B"}},
      {"train/identity-without-folder", 1,
       [](D) { return "train --identity anna -B {fix}/johns_b -o {out}/model --iterations 1"; },
       {"'anna'", "NAME=FOLDER"}},
      // ---- train: options.
      {"train/batch-size-zero", 2, [=](D) { return "train" + faces + " -o {out}/model -b 0 --iterations 1"; },
       {"--batch-size", "0", "1 to 4096", "faceswap train --help"}},
      {"train/lr-negative", 1, [=](D) { return "train" + faces + " -o {out}/model --lr -1 --iterations 1"; },
       {"-1", "'lr'", "expected 1e-09 to 1"}},
      {"train/unknown-architecture", 2,
       [=](D) { return "train" + faces + " -o {out}/model -t huge --iterations 1"; },
       {"huge", "original", "lite"}},
      {"train/coverage-out-of-range", 2,
       [=](D) { return "train" + faces + " -o {out}/model --coverage 5 --iterations 1"; },
       {"--coverage", "5", "not in range"}},
      {"train/iterations-negative", 2,
       [=](D) { return "train" + faces + " -o {out}/model --iterations -1"; },
       {"--iterations", "-1"}},
      {"train/model-folder-below-a-file", 1,
       [=](D d) { file_in_out(d); return "train" + faces + " -o {out}/file.txt/model --iterations 1"; },
       {"{out}/file.txt/model", "Not a directory"}},
      // ---- train: resuming a damaged model (the model folder is an input: left unchanged).
      {"train/resume-corrupt-model-json", 1,
       [=](D d) {
         BadInputTest::ReplaceFile(model_copy(d) + "/model.json", "{\"format_version\": 1, \"archi");
         return "train" + faces + " -o {in}/model --iterations 1";
       },
       {"{in}/model/model.json", "not valid JSON"}},
      {"train/resume-truncated-encoder", 1,
       [=](D d) {
         const std::string ckpt = BadInputTest::Checkpoint(model_copy(d));
         BadInputTest::ReplaceFile(ckpt + "/encoder.pt", ReadFile(ckpt + "/encoder.pt").substr(0, 100));
         return "train" + faces + " -o {in}/model --iterations 1";
       },
       {"{in}/model/ckpt-", "encoder.pt", "cannot load"}},
      {"train/resume-with-other-architecture", 1,
       [=](D d) {
         model_copy(d);
         return "train" + faces + " -o {in}/model -t original --iterations 1";
       },
       {"{in}/model", "'lite'", "original"}},
      // ---- convert: models.
      {"convert/missing-model", 1, [=](D) { return convert + "-m {in}/nomodel"; },
       {"{in}/nomodel", "model.json"}},
      {"convert/corrupt-model-json", 1,
       [=](D d) {
         BadInputTest::ReplaceFile(model_copy(d) + "/model.json", "{\"format_version\": 1, \"archi");
         return convert + "-m {in}/model";
       },
       {"{in}/model/model.json", "not valid JSON"}},
      {"convert/truncated-encoder", 1,
       [=](D d) {
         const std::string ckpt = BadInputTest::Checkpoint(model_copy(d));
         BadInputTest::ReplaceFile(ckpt + "/encoder.pt", ReadFile(ckpt + "/encoder.pt").substr(0, 20000));
         return convert + "-m {in}/model";
       },
       {"{in}/model/ckpt-", "encoder.pt", "cannot load"}},
      {"convert/model-of-another-architecture", 1,
       [=](D d) {
         // model.json says `original`, the weights are `lite`'s.
         const std::string json = model_copy(d) + "/model.json";
         BadInputTest::ReplaceFile(json, Replace(ReadFile(json), "\"lite\"", "\"original\""));
         return convert + "-m {in}/model";
       },
       {"{in}/model/ckpt-", "has shape", "expected [", "another architecture"}},
      // ---- convert: alignments.
      {"convert/alignments-of-another-video", 1,
       [=](D) { return convert + "-m {fix}/model -p {fix}/cap13/alignments.json"; },
       {"{fix}/cap13/alignments.json", "400x300", "765 frames", "360x288", "24 frames"}},
      {"convert/garbage-alignments", 1,
       [=](D d) {
         std::string bytes(3000, '\0');
         for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 7919) % 251);
         text("garbage.json", bytes)(d);
         return convert + "-m {fix}/model -p {in}/garbage.json";
       },
       {"{in}/garbage.json", "not valid JSON"}},
      {"convert/alignments-with-3-landmarks", 1,
       [=](D d) {
         BadInputTest::FuzzAlignments(d.in + "/alignments.json", [](nlohmann::json& j) {
           j["sources"][0]["frames"][1]["faces"][0]["landmarks"] = {{1, 2}, {3, 4}, {5, 6}};
         });
         return convert + "-m {fix}/model -p {in}/alignments.json";
       },
       {"{in}/alignments.json", "landmarks", "68"}},
      {"convert/alignments-with-wrong-types", 1,
       [=](D d) {
         BadInputTest::FuzzAlignments(d.in + "/alignments.json", [](nlohmann::json& j) {
           j["sources"][0]["frames"][2]["index"] = "two";
         });
         return convert + "-m {fix}/model -p {in}/alignments.json";
       },
       {"{in}/alignments.json", "sources[0].frames[2]", "number"}},
      // ---- convert: identities and options.
      {"convert/unknown-identity", 1, [=](D) { return convert + "-m {fix}/model --to Z"; },
       {"'Z'", "--to", "A, B"}},
      {"convert/smooth-even", 1, [=](D) { return convert + "-m {fix}/model --smooth 4"; },
       {"4", "'smooth'", "odd"}},
      {"convert/batch-zero", 1, [=](D) { return convert + "-m {fix}/model --batch 0"; },
       {"0", "'batch'", "1 to 256"}},
      {"convert/unknown-color-plugin", 2,
       [=](D) { return convert + "-m {fix}/model --color color/nope"; },
       {"color/nope", "color/reinhard", "faceswap convert --help"}},
      // ---- convert: inputs and outputs.
      {"convert/zero-byte-video", 1,
       [=](D d) {
         text("empty.mp4", "")(d);
         return "convert -i {in}/empty.mp4 -o {out}/swapped.mp4 -m {fix}/model";
       },
       {"{in}/empty.mp4", "empty (0 bytes)"}},
      {"convert/audio-only-file", 1,
       [](D) { return "convert -i {fix}/tone.mp4 -o {out}/swapped.mp4 -m {fix}/model"; },
       {"{fix}/tone.mp4", "no video stream"}},
      {"convert/output-is-input", 1,
       [=](D) { return "convert -i " + clip + " -o " + clip + " -m {fix}/model"; },
       {clip, "is the input"}},
      {"convert/output-below-a-file", 1,
       [=](D d) {
         file_in_out(d);
         return "convert -i " + clip + " -o {out}/file.txt/swapped.mp4 -m {fix}/model";
       },
       {"{out}/file.txt", "not a folder"}},
      {"convert/unknown-output-extension", 1,
       [=](D) { return "convert -i " + clip + " -o {out}/swapped.xyz -m {fix}/model"; },
       {"{out}/swapped.xyz", ".xyz", ".mp4"}},
      // ---- alignments.
      {"alignments/list-missing-file", 1, [](D) { return "alignments list -a {in}/nowhere.json"; },
       {"{in}/nowhere.json", "does not exist"}},
      {"alignments/list-truncated-file", 1,
       [=](D d) {
         const std::string good = ReadFile(BadInputTest::Fix() + "/clip_faces/alignments.json");
         text("alignments.json", good.substr(0, good.size() / 2))(d);
         return "alignments list -a {in}/alignments.json";
       },
       {"{in}/alignments.json", "truncated"}},
      {"alignments/draw-on-another-video", 1,
       [=](D) { return "alignments draw -a {fix}/cap13/alignments.json -i " + clip + " -o {out}/drawn"; },
       {clip, "360x288", "400x300"}},
      {"alignments/export-unknown-extension", 1,
       [](D) { return "alignments export -a {fix}/clip_faces/alignments.json -o {out}/x.txt"; },
       {"{out}/x.txt", ".csv or .json"}},
      {"alignments/draw-every-zero", 2,
       [=](D) {
         return "alignments draw -a {fix}/clip_faces/alignments.json -i " + clip +
                " -o {out}/drawn --every 0";
       },
       {"--every", "0", "1 to 1000000"}},
      {"alignments/no-action", 2, [](D) { return "alignments"; },
       {"subcommand", "faceswap alignments --help"}},
      // ---- transcode.
      {"transcode/audio-only-file", 1,
       [](D) { return "transcode -i {fix}/tone.mp4 -o {out}/out.mp4"; },
       {"{fix}/tone.mp4", "no video stream"}},
      {"transcode/output-is-input", 1, [=](D) { return "transcode -i " + clip + " -o " + clip; },
       {clip, "is the input"}},
      {"transcode/crf-huge", 1, [=](D) { return "transcode -i " + clip + " -o {out}/o.mp4 --crf 100"; },
       {"100", "'crf'", "0 to 51"}},
      {"transcode/unknown-preset", 1,
       [=](D) { return "transcode -i " + clip + " -o {out}/o.mp4 --preset warp"; },
       {"'warp'", "'preset'", "veryfast"}},
  };
  return rows;
}

TEST_F(BadInputTest, EveryRowFailsCleanly) {
  const std::vector<Row> rows = Rows();
  std::printf("bad-input matrix: %zu rows\n", rows.size());
  EXPECT_GE(rows.size(), 25u);
  const char* kCrash[] = {"terminate called", "Segmentation", "Aborted", "AddressSanitizer",
                          "core dumped", "what():"};
  const char* kLogPrefixes[] = {"info: ", "warning: ", "debug: ", "error: "};
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const std::string tag = "[" + row.name + "] ";
    const std::string row_dir = *root_ + "/rows/" + Replace(row.name, "/", "_");
    const RowDirs dirs{row_dir + "/in", row_dir + "/out"};
    fs::create_directories(dirs.in);
    fs::create_directories(dirs.out);
    auto expand = [&](const std::string& s) {
      return Replace(Replace(Replace(s, "{fix}", Fix()), "{in}", dirs.in), "{out}", dirs.out);
    };
    const std::string args = expand(row.prepare(dirs));
    const auto inputs_before = HashTree(dirs.in);
    const auto fix_before = HashTree(Fix());
    const auto out_before = HashTree(dirs.out);

    std::string out;
    // Every train row passes --iterations 1, so a row that is wrongly accepted still ends
    // (and ctest's per-test timeout catches a real hang).
    const int code = RunCommand(kBin + " --progress off " + args, &out);
    const std::string context = tag + "faceswap " + args + "\n" + out;
    EXPECT_EQ(code, row.exit_code) << context;
    std::vector<std::string> errors;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("error: ", 0) == 0) errors.push_back(line);
      const bool log_line = std::any_of(std::begin(kLogPrefixes), std::end(kLogPrefixes),
                                        [&](const char* p) { return line.rfind(p, 0) == 0; });
      EXPECT_TRUE(log_line) << tag << "a line that is no log line: '" << line << "'\n" << context;
    }
    EXPECT_EQ(errors.size(), 1u) << tag << "expected exactly one 'error: ' line\n" << context;
    std::printf("  %-40s exit %d  %s\n", row.name.c_str(), code,
                errors.empty() ? "(no error line)" : errors[0].c_str());
    for (const char* crash : kCrash) {
      EXPECT_EQ(out.find(crash), std::string::npos) << tag << "crash text '" << crash << "'\n"
                                                    << context;
    }
    if (!errors.empty()) {
      for (const auto& piece : row.expected) {
        EXPECT_NE(errors[0].find(expand(piece)), std::string::npos)
            << tag << "'" << expand(piece) << "' missing from the error line\n" << context;
      }
    }
    EXPECT_EQ(TreeDiff(out_before, HashTree(dirs.out)), "")
        << tag << "output folder " << dirs.out << " changed\n" << context;
    EXPECT_EQ(TreeDiff(inputs_before, HashTree(dirs.in)), "")
        << tag << "inputs in " << dirs.in << " changed\n" << context;
    EXPECT_EQ(TreeDiff(fix_before, HashTree(Fix())), "")
        << tag << "shared inputs in " << Fix() << " changed\n" << context;
  }
}

}  // namespace
}  // namespace faceswap
