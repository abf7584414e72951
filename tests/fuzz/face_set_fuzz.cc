// Fuzzes the packed face-set reader (LoadFaceSet: a LibTorch archive). Seeds: a file of
// `faceswap pack-faces` on dlib's example faces (tools/fuzz.sh) and a tiny set with region
// maps written here by SaveFaceSet (FACESWAP_FUZZ_WRITE_SEEDS). Invariants: only
// FatalError, one line; a set that loads is consistent (FaceSet::Check).
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "base/check.h"
#include "models/face_set.h"
#include "tests/fuzz/fuzz_util.h"

using namespace faceswap;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const std::string dir = fuzz::SeedFolder(); !dir.empty()) {
    FaceSet set;
    set.name = "tiny";
    set.count = 2;
    set.height = set.width = 8;
    for (int i = 0; i < set.count * 8 * 8 * 3; ++i) set.pixels.push_back(i * 7 % 256);
    SaveFaceSet(set, dir + "/tiny.faces");
    set.regions.assign(set.count * 2 * 8 * 8, 0);
    for (size_t i = 0; i < set.regions.size(); i += 3) set.regions[i] = 255;
    SaveFaceSet(set, dir + "/tiny_regions.faces");
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::FuzzFile file("set.faces");
  const std::string& path = file.Write(data, size);
  try {
    const FaceSet set = LoadFaceSet(path, "fuzz");
    if (const std::string error = set.Check(); !error.empty()) {
      fuzz::Die("LoadFaceSet returned an inconsistent set: " + error);
    }
  } catch (const FatalError& e) {
    fuzz::ExpectOneLine(e);
  }
  return 0;
}
