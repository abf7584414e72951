// filter/faces: drops unwanted faces after the landmark stage, so the face writer (extract)
// or the swap (convert) never sees them.
//
//   --min-size N        drop faces whose 68 landmarks span less than N frame pixels (the larger
//                       of their bounding box's width and height); 0 = keep all
//   --ref PATH          keep only faces of this person: photos or folders of them (repeatable);
//                       a face farther than --ref-threshold from the mean descriptor is dropped
//   --exclude-ref PATH  drop faces of this person (closer than --ref-threshold to the mean)
//   --ref-threshold D   descriptor distance (dlib ResNet, 0..2); 0.6 = dlib's same-person line
//
// Descriptors: stages/identity/face_descriptor.h (the model comes from samples/fetch-models.sh);
// references: stages/identity/reference_set.h. A face without 68 landmarks cannot be measured:
// --ref drops it, --exclude-ref keeps it. Kept faces get Face::identity_distance (to the --ref
// mean) and Frame::faces_dropped counts the rest. Without --min-size, --ref or --exclude-ref
// the stage keeps every face. References are loaded (in Open) once per process and shared by
// the workers; every worker adds to one tally (shared by copies of the options), logged when
// the last worker closes:
//   filter/faces: kept 11 faces, dropped 31 (31 farther than 0.60 from --ref); distances of
//   dropped: min 0.71 median 0.83; of kept: median 0.25 max 0.41
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/stage.h"
#include "stages/identity/face_descriptor.h"

namespace faceswap {

// What the filter did, summed over its workers.
struct FaceFilterCounts {
  int64_t kept = 0;
  int64_t dropped_ref = 0;         // Farther than the threshold from the --ref mean.
  int64_t dropped_exclude = 0;     // Closer than the threshold to the --exclude-ref mean.
  int64_t dropped_size = 0;        // Below --min-size.
  int64_t dropped_unmeasured = 0;  // No 68 landmarks, with --ref.
  int64_t described = 0;           // Descriptors computed.
  double describe_seconds = 0.0;   // Time spent computing them (all workers).
  int64_t dropped() const {
    return dropped_ref + dropped_exclude + dropped_size + dropped_unmeasured;
  }
};

struct FaceFilterTally;  // Shared counters (face_filter.cc).

struct FaceFilterOptions : StageOptions {
  int min_size = 0;                            // Smallest landmark extent kept, frame px; 0 = all.
  std::vector<std::string> refs;               // --ref: photos/folders of the wanted person.
  std::vector<std::string> exclude_refs;       // --exclude-ref: photos/folders of an unwanted one.
  double ref_threshold = kSamePersonDistance;  // Same person below this descriptor distance.
  std::string descriptor_model;  // "" = DlibModelPath(kFaceDescriptorModelFile). Not a flag.
  std::string landmark_model;    // For finding faces in references. Not a flag: "" = the
                                 // aligner's (StreamFormat::landmark_model), else the default.
  // Shared by all copies of these options (so by every worker made from them).
  std::shared_ptr<FaceFilterTally> tally;

  FaceFilterOptions();
  // --min-size, --ref-threshold, --ref, --exclude-ref.
  void Bind(OptionBinder& binder) override;
  // Ranges, and that every reference path exists.
  std::string Check() const override;
  // True when a filter is asked for (otherwise the stage keeps every face).
  bool Active() const;
  // The tally so far.
  FaceFilterCounts Counts() const;
};

StageInfo FaceFilterInfo();

}  // namespace faceswap
