// The latent-space tools of `faceswap latent` (tools/latent_command.cc), callable in-process:
// what a trained autoencoder's code space is good for besides swapping.
//   RankOutliers     faces ranked by how badly an identity's decoder reconstructs them
//                    (anomaly detection: other people, misaligned crops, occlusions, blur)
//   InterpolationGrid  the decoded path between two faces' codes
//   LatentMap        every face's code projected to 2-D (PCA), drawn as thumbnails
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "models/face_set.h"
#include "models/swap_model.h"

namespace faceswap {

// How outliers are scored:
//   reconstruction  the model's error through the identity's decoder
//   code-knn        mean distance of the face's code to its 10 nearest codes in the set (a face
//                   unlike the others sits alone in the code space)
//   combined        the two, each as a robust z-score (median and MAD over the set), summed
//   mean-face       the naive baseline: distance of the crop to the set's mean crop in pixels
inline const std::vector<std::string> kOutlierMethods = {"combined", "reconstruction", "code-knn",
                                                         "mean-face"};

struct RankedFace {
  std::string file;
  double error = 0.0;  // The method's score (reconstruction: mean absolute difference per
                       // channel in [0, 1] over the face region); larger = more unusual.
  int rank = 0;        // 1 = the most unusual face.
};

// Faces of `faces` (files[i] names face i) ranked by error, largest first.
std::vector<RankedFace> RankOutliers(SwapModel& model, const FaceSet& faces,
                                     const std::vector<std::string>& files, int identity,
                                     const std::string& method);

// "rank,file,error" rows, atomically (base/pending_file.h).
void WriteRankingCsv(const std::string& path, const std::vector<RankedFace>& ranked);

// Moves the first `top` ranked files into `folder` (created), never overwriting: an existing
// file of the same name is an error before anything moves. Returns how many moved.
int MoveFaces(const std::vector<RankedFace>& ranked, int top, const std::string& folder);

// One row: face A's crop, `steps` faces decoded by `identity` from codes on the straight line
// from A's code to B's (both ends included), face B's crop. Tiles scaled to `tile` px.
cv::Mat InterpolationGrid(SwapModel& model, const FaceSet& two_faces, int identity, int steps,
                          int tile = 128);

// One group of faces of the map (an identity or a folder).
struct MapGroup {
  std::string name;
  FaceSet faces;
  std::vector<std::string> files;
};
struct MapPoint {
  std::string group, file;
  double x = 0, y = 0;  // First two principal components of the code.
};
struct LatentMapResult {
  cv::Mat image;  // Thumbnails at their positions, bordered in their group's colour, legend.
  std::vector<MapPoint> points;
  double explained = 0.0;  // Share of the codes' variance the two components hold.
};
LatentMapResult LatentMap(SwapModel& model, const std::vector<MapGroup>& groups,
                          int size = 1400, int thumb = 48);
// "group,file,pc1,pc2" rows, atomically.
void WriteMapCsv(const std::string& path, const std::vector<MapPoint>& points);

}  // namespace faceswap
