// Training regions from extract's landmarks: faces extracted from real Franck frames carry a
// face hull and eye/mouth map that sit where the aligned face's parts are; packing keeps them;
// without the alignments file the loader falls back to the template (no regions).
#include <gtest/gtest.h>

#include <filesystem>

#include "pipeline/alignment.h"
#include "tests/testing/samples.h"
#include "tools/face_loader.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
const std::string kBin = FACESWAP_BIN;

// Region value (0 or 255) of face k, plane `plane`, at aligned pixel p.
int At(const FaceSet& set, int k, int plane, cv::Point2d p) {
  const size_t offset = ((static_cast<size_t>(k) * 2 + plane) * set.height + cvRound(p.y)) *
                            set.width +
                        cvRound(p.x);
  return set.regions[offset];
}

TEST(FaceRegions, ExtractedFacesCarryLandmarkRegions) {
  const std::string dir = testing::ScratchDir("face_regions");
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " -q extract -i " + testing::SampleMedia("franck.mp4") + " -o " +
                           dir + "/faces --every 40 --end 400",
                       &out),
            0)
      << out;
  const FaceSet set = LoadFaces(dir + "/faces", "franck");
  ASSERT_EQ(set.count, 10);
  ASSERT_EQ(set.regions.size(), static_cast<size_t>(set.count) * 2 * set.height * set.width);
  const AlignmentConvention convention;
  const auto eyes = convention.TemplateEyeCentres();
  const cv::Point2d centre(set.width / 2.0, set.height / 2.0);
  const size_t plane = static_cast<size_t>(set.width) * set.height;
  for (int k = 0; k < set.count; ++k) {
    EXPECT_EQ(At(set, k, 0, centre), 255) << k;       // Nose: inside the face hull,
    EXPECT_EQ(At(set, k, 0, {2, 2}), 0) << k;         // corner: outside.
    EXPECT_EQ(At(set, k, 1, eyes[0]), 255) << k;      // Both eyes in the eye/mouth map,
    EXPECT_EQ(At(set, k, 1, eyes[1]), 255) << k;
    EXPECT_EQ(At(set, k, 1, centre), 0) << k;         // the nose between them not.
    // The face hull covers a face-sized part of the crop (the template's oval: ~42 %).
    size_t inside = 0;
    for (size_t i = 0; i < plane; ++i) inside += set.regions[2 * plane * k + i] > 127;
    const double fraction = static_cast<double>(inside) / plane;
    EXPECT_GT(fraction, 0.25) << k;
    EXPECT_LT(fraction, 0.65) << k;
  }
  // Packing keeps the regions.
  ASSERT_EQ(RunCommand(kBin + " -q pack-faces -i " + dir + "/faces -o " + dir + "/f.faces", &out),
            0)
      << out;
  EXPECT_EQ(LoadFaces(dir + "/f.faces", "franck").regions, set.regions);
  // Without the alignments file: no per-face regions (training uses the template).
  fs::rename(dir + "/faces/alignments.json", dir + "/alignments.json");
  EXPECT_TRUE(LoadFaces(dir + "/faces", "franck").regions.empty());
}

}  // namespace
}  // namespace faceswap
