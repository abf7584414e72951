// swap/autoencoder: the heart of convert. For every face with landmarks it computes the
// alignment matrix (pipeline/alignment.h), crops the model's coverage of the aligned face,
// encodes all faces of the batch at once with the shared encoder, decodes them through the
// target identity's decoder, and stores the result in Face::swapped with the matrix from
// frame pixels to it (Face::frame_to_swapped). The output is resized to about the face's size
// in the frame so that masks, colour matching and blending work at frame resolution.
// When the model has a mask branch, Face::mask is set to its prediction.
//
// One instance (the model runs its own threads); the model is loaded in the constructor.
#pragma once

#include "pipeline/alignment.h"
#include "pipeline/stage.h"

namespace faceswap {

struct AutoencoderSwapOptions : StageOptions {
  std::string model;            // Model folder written by `faceswap train`.
  std::string to;               // Identity whose decoder renders the faces.
  std::string device = "auto";  // auto | cpu | cuda.
  // Largest side of Face::swapped in pixels. The model renders 64-128 px, so a larger
  // intermediate adds mask/colour/blend cost but no detail (blend upsamples to the frame).
  int max_output = 256;
  int seed = 0;                 // Seeds LibTorch before loading (reproducible runs).
  AlignmentConvention convention;  // Layout of the aligned faces the model was trained on.
  void Bind(OptionBinder& binder) override;
  std::string Check() const override;
};

StageInfo AutoencoderSwapInfo();

}  // namespace faceswap
