// `faceswap extract --ref / --exclude-ref` end to end (issue 12: extract on a user's own
// footage): a folder mixing Franck's 11 stills with dlib's group photos and the five Johns'
// chips; --ref one Franck still writes Franck's faces only, --exclude-ref everyone else's.
// Then --min-size, convert --ref, and the bad-input rows of the identity filter. Needs
// samples/fetch-models.sh.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "pipeline/alignments_file.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
const std::string kBin = FACESWAP_BIN;

using testing::kFranckStills;
using testing::kJohns;

using testing::Quote;

int Extract(const std::string& args, std::string* out) {
  return RunCommand(kBin + " extract --progress off " + args, out);
}

// Face PNGs of `dir` counted by source (the file name before "_<frame>_<face>.png").
std::map<std::string, int> FacesBySource(const std::string& dir) {
  std::map<std::string, int> count;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".png") continue;
    std::string stem = e.path().stem().string();
    stem = stem.substr(0, stem.rfind('_'));  // Drop _<face>,
    stem = stem.substr(0, stem.rfind('_'));  // then _<frame>.
    ++count[stem];
  }
  return count;
}

bool IsFranck(const std::string& source) { return source.rfind("franck_", 0) == 0; }

int Total(const std::map<std::string, int>& m, bool franck) {
  int n = 0;
  for (const auto& [source, faces] : m) n += IsFranck(source) == franck ? faces : 0;
  return n;
}

int Occurrences(const std::string& text, const std::string& piece) {
  int n = 0;
  for (size_t at = text.find(piece); at != std::string::npos; at = text.find(piece, at + 1)) ++n;
  return n;
}

int Count(const std::map<std::string, int>& m, const std::string& source) {
  const auto it = m.find(source);
  return it == m.end() ? 0 : it->second;
}

// The error line of a failed run ("" if none).
std::string ErrorLine(const std::string& out) {
  const size_t at = out.find("error: ");
  return at == std::string::npos ? "" : out.substr(at, out.find('\n', at) - at);
}

class ExtractRef : public ::testing::Test {
 public:
  // The mixed folder: Franck's 11 stills (720x576, one face each), dlib's bald_guys.jpg (24
  // faces) and 2008_002506.jpg (3 faces) and the five Johns' 150 px chips (55).
  static void SetUpTestSuite() {
    root_ = new std::string(testing::ScratchDir("extract-ref"));
    const std::string in = *root_ + "/in";
    fs::create_directories(in);
    for (const char* still : kFranckStills) fs::copy(testing::SampleMedia(still), in + "/" + still);
    fs::copy(testing::DlibExample("faces/bald_guys.jpg"), in + "/bald_guys.jpg");
    fs::copy(testing::DlibExample("faces/2008_002506.jpg"), in + "/2008_002506.jpg");
    for (const char* who : kJohns) {
      for (const auto& e : fs::directory_iterator(testing::Johns(who))) {
        fs::copy(e.path(), in + "/" + who + "_" + e.path().filename().string());
      }
    }
  }
  static void TearDownTestSuite() {
    delete root_;
    delete all_;
    root_ = nullptr;
    all_ = nullptr;
  }

 protected:
  static std::string In() { return *root_ + "/in"; }
  // The unfiltered run (made on first use): faces per source, alignments in <root>/all.
  static const std::map<std::string, int>& All() {
    if (!all_) {
      std::string out;
      EXPECT_EQ(Extract("-i " + Quote(In()) + " -o " + Quote(*root_ + "/all"), &out), 0) << out;
      all_ = new std::map<std::string, int>(FacesBySource(*root_ + "/all"));
    }
    return *all_;
  }
  static std::string Ref() { return In() + "/franck_02221.jpg"; }
  static std::string* root_;
  static std::map<std::string, int>* all_;
};
std::string* ExtractRef::root_ = nullptr;
std::map<std::string, int>* ExtractRef::all_ = nullptr;

TEST_F(ExtractRef, UnfilteredRunFindsEveryone) {
  for (const char* still : kFranckStills) {
    EXPECT_EQ(Count(All(), fs::path(still).stem().string()), 1) << still;
  }
  EXPECT_GE(Total(All(), false), 20) << "the others' faces must be found for the test to mean much";
  RecordProperty("other_faces", Total(All(), false));
}

// --ref one of the stills: exactly Franck's 11 faces, one per still, and none of the others.
TEST_F(ExtractRef, RefKeepsOnlyThatPerson) {
  const std::string dir = *root_ + "/ref";
  std::string out;
  ASSERT_EQ(Extract("-i " + Quote(In()) + " -o " + Quote(dir) + " --ref " + Quote(Ref()), &out), 0)
      << out;
  const auto faces = FacesBySource(dir);
  EXPECT_EQ(Total(faces, false), 0) << out;
  EXPECT_EQ(Total(faces, true), 11) << out;
  for (const char* still : kFranckStills) {
    EXPECT_EQ(Count(faces, fs::path(still).stem().string()), 1) << still;
  }
  const std::string dropped = std::to_string(Total(All(), false));
  EXPECT_NE(out.find("filter/faces: kept 11 faces, dropped " + dropped + " (" + dropped +
                     " farther than 0.60 from --ref)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(dropped + " dropped by the filter"), std::string::npos) << out;
  // The alignments file keeps each kept face's distance to the reference.
  const Alignments a = ReadAlignments(dir + "/alignments.json");
  int measured = 0;
  for (const auto& f : a.sources.at(0).frames) {
    for (const auto& face : f.faces) {
      EXPECT_TRUE(IsFranck(f.name)) << f.name;
      EXPECT_GE(face.identity_distance, 0.f);
      EXPECT_LT(face.identity_distance, 0.6f);
      ++measured;
    }
  }
  EXPECT_EQ(measured, 11);
}

// --exclude-ref the same still: everyone the unfiltered run found except Franck.
TEST_F(ExtractRef, ExcludeRefDropsThatPerson) {
  const std::string dir = *root_ + "/exclude";
  std::string out;
  ASSERT_EQ(
      Extract("-i " + Quote(In()) + " -o " + Quote(dir) + " --exclude-ref " + Quote(Ref()), &out),
      0)
      << out;
  const auto faces = FacesBySource(dir);
  EXPECT_EQ(Total(faces, true), 0) << out;
  for (const auto& [source, n] : All()) {
    if (!IsFranck(source)) EXPECT_EQ(Count(faces, source), n) << source;
  }
  EXPECT_NE(out.find("filter/faces: kept " + std::to_string(Total(All(), false)) +
                     " faces, dropped 11 (11 closer than 0.60 to --exclude-ref)"),
            std::string::npos)
      << out;
}

// The larger side of the bounding box of a face's landmarks (what --min-size measures).
float Extent(const Face& face) {
  const cv::Rect2f r = cv::boundingRect(face.landmarks);
  return std::max(r.width, r.height);
}

// --min-size 150: Franck's landmarks span ~280-300 px in his stills, the Johns' ~115-130 px in
// their chips; each frame keeps exactly the unfiltered run's faces that span at least 150 px.
TEST_F(ExtractRef, MinSizeDropsSmallFaces) {
  const std::string dir = *root_ + "/min-size";
  std::string out;
  ASSERT_EQ(Extract("-i " + Quote(In()) + " -o " + Quote(dir) + " --min-size 150 --no-faces", &out),
            0)
      << out;
  All();  // Runs the unfiltered extract if no test did yet.
  const Alignments all = ReadAlignments(*root_ + "/all/alignments.json");
  const Alignments a = ReadAlignments(dir + "/alignments.json");
  ASSERT_EQ(a.sources.at(0).frames.size(), all.sources.at(0).frames.size());
  int franck = 0, johns = 0, expected_dropped = 0;
  for (size_t i = 0; i < a.sources[0].frames.size(); ++i) {
    const AlignmentsFrame& f = a.sources[0].frames[i];
    int expected = 0;
    for (const auto& face : all.sources[0].frames[i].faces) {
      (Extent(face) >= 150 ? expected : expected_dropped) += 1;
    }
    EXPECT_EQ(static_cast<int>(f.faces.size()), expected) << f.name;
    for (const auto& face : f.faces) {
      EXPECT_GE(Extent(face), 150.f) << f.name;
      EXPECT_EQ(face.identity_distance, -1.f);  // Not measured without --ref.
      franck += IsFranck(f.name) ? 1 : 0;
      johns += f.name.rfind("John_", 0) == 0 ? 1 : 0;
    }
  }
  EXPECT_EQ(franck, 11) << out;
  EXPECT_EQ(johns, 0) << out;
  EXPECT_GT(expected_dropped, 0);
  EXPECT_NE(out.find(std::to_string(expected_dropped) + " below --min-size 150"), std::string::npos)
      << out;
}

// The bad-input rows of the filter: exit 1, one error line naming the value, no output left.
struct BadRow {
  std::string name;
  std::string args;                   // After `extract -i IN -o OUT`.
  std::string env;                    // Prefix of the command line.
  std::vector<std::string> expected;  // Pieces of the error line.
};

TEST_F(ExtractRef, BadInputsFailWithOneClearLine) {
  const std::string dogs = testing::DlibExample("faces/dogs.jpg");
  const std::string empty_data = *root_ + "/empty-data";
  fs::create_directories(empty_data);
  const std::vector<BadRow> rows = {
      {"ref-without-face",
       " --ref " + Quote(dogs),
       "",
       {"error: --ref: no face found in reference image '" + dogs +
        "': expected a photo with a face"}},
      {"missing-ref-path",
       " --ref " + Quote(*root_ + "/nowhere.jpg"),
       "",
       {"'" + *root_ + "/nowhere.jpg'", "'ref'", "does not exist"}},
      {"missing-exclude-ref-path",
       " --exclude-ref " + Quote(*root_ + "/nowhere"),
       "",
       {"'" + *root_ + "/nowhere'", "'exclude-ref'", "does not exist"}},
      {"missing-descriptor-model",
       " --ref " + Quote(Ref()),
       "FACESWAP_DATA_DIR=" + Quote(empty_data) + " ",
       {"'" + empty_data + "/dlib-models/dlib_face_recognition_resnet_model_v1.dat'", "not found",
        "samples/fetch-models.sh"}},
      {"ref-threshold-out-of-range",
       " --ref " + Quote(Ref()) + " --ref-threshold 3",
       "",
       {"invalid value 3 for option 'ref-threshold': expected 0 to 2"}},
      {"ref-threshold-negative",
       " --ref " + Quote(Ref()) + " --ref-threshold -0.1",
       "",
       {"'ref-threshold'", "expected 0 to 2"}},
      {"min-size-negative",
       " --min-size -5",
       "",
       {"invalid value -5 for option 'min-size': expected 0 to 8192"}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const std::string dir = *root_ + "/bad-" + row.name;
    std::string out;
    EXPECT_EQ(RunCommand(row.env + kBin + " extract --progress off -i " + Quote(In()) + " -o " +
                             Quote(dir) + row.args,
                         &out),
              1)
        << out;
    const std::string line = ErrorLine(out);
    for (const auto& piece : row.expected) {
      EXPECT_NE(line.find(piece), std::string::npos) << piece << "\n" << out;
    }
    EXPECT_EQ(Occurrences(out, "error: "), 1) << out;
    EXPECT_FALSE(fs::exists(dir)) << "output folder left behind";
  }
}

// convert --ref: only the reference person's faces are swapped (a 1-iteration lite model is
// enough to see which faces went through the swap; the manifest lists them per frame).
TEST_F(ExtractRef, ConvertRefSwapsOnlyThatPerson) {
  const std::string dir = *root_ + "/convert";
  fs::create_directories(dir + "/in");
  // Name order: 2008_002506 (3 faces), bald_guys (24), franck_01829, franck_04117.
  for (const char* name :
       {"2008_002506.jpg", "bald_guys.jpg", "franck_01829.jpg", "franck_04117.jpg"}) {
    fs::copy(In() + "/" + name, dir + "/in/" + name);
  }
  std::string out;
  const std::string bin = kBin + " --progress off ";
  ASSERT_EQ(RunCommand(bin + "-q train -t lite -b 2 --iterations 1 --keep 1 -o " + Quote(dir) +
                           "/model -A " + Quote(testing::Johns("John_Salley")) + " -B " +
                           Quote(testing::Johns("John_Simm")),
                       &out),
            0)
      << out;
  ASSERT_EQ(RunCommand(bin + "convert -i " + Quote(dir + "/in") + " -o " + Quote(dir + "/out") +
                           " -m " + Quote(dir + "/model") + " --ref " + Quote(Ref()) +
                           " --manifest " + Quote(dir + "/manifest.json"),
                       &out),
            0)
      << out;
  std::ifstream in(dir + "/manifest.json");
  const nlohmann::json manifest = nlohmann::json::parse(in);
  const auto& frames = manifest.at("frames");
  ASSERT_EQ(frames.size(), 4u);
  for (size_t i = 0; i < frames.size(); ++i) {
    const auto& faces = frames[i].at("faces");
    ASSERT_EQ(faces.size(), i < 2 ? 0u : 1u) << "frame " << i << "\n" << out;
    for (const auto& f : faces) EXPECT_TRUE(f.at("swapped").get<bool>()) << i;
  }
  EXPECT_NE(out.find("filter/faces: kept 2 faces"), std::string::npos) << out;
}

TEST(ExtractRefHelp, ExtractAndConvertListTheFilterFlags) {
  for (const char* command : {"extract", "convert"}) {
    std::string out;
    ASSERT_EQ(RunCommand(kBin + " " + command + " --help", &out), 0) << out;
    for (const char* flag : {"--ref", "--exclude-ref", "--ref-threshold", "--min-size"}) {
      EXPECT_NE(out.find(flag), std::string::npos) << command << " " << flag;
    }
  }
}

}  // namespace
}  // namespace faceswap
