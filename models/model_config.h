// model.json: what a trained model folder holds (torch-free header).
//
// Written and read with a small hand-written JSON reader/writer for this flat schema:
// models/ must build on a machine that has only a (CUDA) LibTorch, where no JSON library
// package is installed, and vendoring one for ten fields is not worth it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace faceswap {

struct ModelInfo {
  static constexpr int kFormatVersion = 1;

  int format_version = kFormatVersion;
  std::string architecture;              // original | lite | hq
  int input_size = 64;                   // Crop side (fixed by the architecture).
  bool mask_output = false;              // Decoders have the mask branch.
  double coverage = 0.625;               // Fraction of the stored aligned face used.
  std::vector<std::string> identities;   // Decoder i renders identities[i].
  int64_t iteration = 0;                 // Training iterations done.
  std::string checkpoint;                // Sub-folder of the newest complete checkpoint.
  std::vector<double> loss;              // Recent mean loss per identity.
  std::string precision;                 // fp32 | bf16 used for the last run (informative).

  std::string ToJson() const;
  // Throws FatalError naming `path` for malformed JSON, missing fields or an unknown version.
  static ModelInfo FromJson(const std::string& text, const std::string& path);
};

// The file naming a model folder's ModelInfo.
inline constexpr const char* kModelFile = "model.json";
// True when `dir` holds a model.json.
bool HasModel(const std::string& dir);
// Throws FatalError naming the file when model.json is missing, malformed or of another version.
ModelInfo ReadModelInfo(const std::string& dir);

// 64-bit FNV-1a (16 hex digits) over model.json and the checkpoint's files (names and
// bytes, sorted): ties a manifest to the exact weights used (models/model_lookup.cc).
std::string HashModel(const std::string& dir, const ModelInfo& info);
// Fills an empty `from` with the model's first identity and an empty `to` with another one;
// FatalError naming the option and the model's identities when one is unknown, or when
// both are the same.
void ResolveIdentities(const ModelInfo& info, const std::string& model, std::string& from,
                       std::string& to);

}  // namespace faceswap
