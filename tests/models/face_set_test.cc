#include "models/face_set.h"

#include <gtest/gtest.h>

#include <fstream>

#include <torch/torch.h>

#include "base/check.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

FaceSet TinySet() {
  FaceSet set;
  set.name = "tiny";
  set.count = 2;
  set.height = set.width = 8;
  for (int i = 0; i < set.count * 8 * 8 * 3; ++i) set.pixels.push_back(i * 7 % 256);
  set.regions.assign(set.count * 2 * 8 * 8, 255);
  for (int i = 0; i < set.count * 68 * 2; ++i) set.landmarks.push_back(i * 0.01f - 1);
  return set;
}

// The FatalError message of loading `path`, or "" if it did not throw.
std::string LoadError(const std::string& path) {
  try {
    LoadFaceSet(path, "x");
  } catch (const FatalError& e) {
    return e.what();
  }
  return "";
}

TEST(FaceSet, SaveLoadRoundTrip) {
  const std::string path = testing::ScratchDir("face_set") + "/tiny.faces";
  const FaceSet set = TinySet();
  SaveFaceSet(set, path);
  const FaceSet back = LoadFaceSet(path, "tiny");
  EXPECT_EQ(back.Check(), "");
  EXPECT_EQ(back.count, 2);
  EXPECT_EQ(back.pixels, set.pixels);
  EXPECT_EQ(back.regions, set.regions);
  EXPECT_EQ(back.landmarks, set.landmarks);
}

// Landmarks without regions are a valid set in memory (a model's inputs) but the file's keys
// are positional: packing one is refused, naming the set, and no file is written.
TEST(FaceSet, PackingLandmarksWithoutRegionsIsRefused) {
  const std::string path = testing::ScratchDir("face_set") + "/no_regions.faces";
  FaceSet set = TinySet();
  set.regions.clear();
  EXPECT_EQ(set.Check(), "");
  try {
    SaveFaceSet(set, path);
    ADD_FAILURE() << "SaveFaceSet accepted landmarks without regions";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find("'tiny' has landmarks but no region maps"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::ifstream(path).good());
}

// Found by tests/fuzz/face_set_fuzz: LibTorch's error text (with its multi-line C++ backtrace)
// went into the FatalError, which must be one line naming the file.
TEST(FaceSet, UnreadableFilesAreOneLineFatalErrors) {
  const std::string dir = testing::ScratchDir("face_set");
  std::ofstream(dir + "/empty.faces").close();
  std::ofstream(dir + "/text.faces") << "not a zip archive";
  for (const std::string name : {"empty.faces", "text.faces", "missing.faces"}) {
    const std::string err = LoadError(dir + "/" + name);
    EXPECT_NE(err.find(name), std::string::npos) << err;
    EXPECT_NE(err.find("pack-faces"), std::string::npos) << err;
    EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  }
}

// Found while investigating a slow tests/fuzz/face_set_fuzz input: a file whose tensor has
// stride 0 (an expanded view of 3 bytes) made LoadFaceSet allocate and copy ~400 MB. It is
// now rejected at once.
TEST(FaceSet, ExpandedTensorIsRejected) {
  const std::string path = testing::ScratchDir("face_set") + "/expanded.faces";
  std::vector<torch::Tensor> tensors{
      torch::zeros({1, 1, 1, 3}, torch::kUInt8).expand({4, 4096, 4096, 3})};
  torch::save(tensors, path);
  const std::string err = LoadError(path);
  EXPECT_NE(err.find("expanded.faces"), std::string::npos) << err;
  EXPECT_NE(err.find("expected uint8 N x H x W x 3"), std::string::npos) << err;
}

}  // namespace
}  // namespace faceswap
