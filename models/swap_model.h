// A trained model folder loaded for inference (convert, latent): encode faces with the shared
// encoder and decode them through one identity's decoder. Torch-free header.
//
//   auto model = SwapModel::Load("model/", "auto");         // FatalError if unusable
//   const int to = model->IdentityIndex("B");               // FatalError lists identities
//   model->Swap(faces, n, to, out, masks);                  // n x S x S x 3 uint8 in and out
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <vector>

#include "models/face_set.h"
#include "models/model_config.h"

namespace faceswap {

class SwapModel {
 public:
  // `device`: auto (CUDA when available), cpu or cuda. `seed` seeds LibTorch's generators.
  static std::unique_ptr<SwapModel> Load(const std::string& dir, const std::string& device,
                                         int64_t seed = 0);
  virtual ~SwapModel() = default;

  virtual const ModelInfo& info() const = 0;
  virtual std::string device() const = 0;
  // Index of the decoder for `name`; throws FatalError listing the model's identities.
  virtual int IdentityIndex(const std::string& name) const = 0;
  // `faces`: n crops of info().input_size squared, HWC uint8, the channel order training
  // used (BGR from OpenCV). Writes the decoded faces to `out` (same layout) and, when the
  // model has a mask branch and `masks` is not null, n masks (HW float in [0,1]).
  virtual void Swap(const uint8_t* faces, int n, int to_identity, uint8_t* out,
                    float* masks) = 0;

  // The latent tools (faceswap latent) work on aligned faces as `extract` stores them (a
  // FaceSet of any square size): each is cut to the model's centred coverage crop as in
  // training's previews.
  // Side of the bottleneck code (the encoder's undercomplete dense layer).
  virtual int code_size() const = 0;
  // The model's input crop of each face: n x S x S x 3 uint8 (S = info().input_size).
  virtual std::vector<uint8_t> Crops(const FaceSet& faces) = 0;
  // Bottleneck codes, n x code_size() floats.
  virtual std::vector<float> Encode(const FaceSet& faces) = 0;
  // Faces decoded by `identity` from codes (a multiple of code_size() floats): n x S x S x 3.
  virtual std::vector<uint8_t> Decode(const std::vector<float>& codes, int identity) = 0;
  // Per face: mean absolute error (0-1 per channel) between its crop and its reconstruction
  // through `identity`'s decoder, over the region where extract's crop layout puts a face
  // (the fixed template: a misaligned crop is not forgiven by its own landmarks). `codes`, when
  // not null, receives the faces' bottleneck codes (as Encode) from the same pass.
  virtual std::vector<double> ReconstructionErrors(const FaceSet& faces, int identity,
                                                   std::vector<float>* codes) = 0;
};

}  // namespace faceswap
