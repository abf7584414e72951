// The one list of `faceswap` subcommands. Each Add*Command lives in its own file.
#include "tools/command.h"

namespace faceswap {

CommandSetup ExtractCommand();
CommandSetup TrainCommand();
CommandSetup ConvertCommand();
CommandSetup AlignmentsCommand();
CommandSetup TranscodeCommand();
CommandSetup PackFacesCommand();
CommandSetup SortCommand();
CommandSetup ScoreCommand();
CommandSetup LatentCommand();
CommandSetup PluginsCommand();

std::vector<CommandEntry> BuiltinCommands() {
  return {
      {"extract", "Detect, landmark and align every face in a video or image folder",
       ExtractCommand()},
      {"train", "Train a shared encoder with one decoder per identity on aligned faces",
       TrainCommand()},
      {"convert", "Swap faces in a video with a trained model and write the result",
       ConvertCommand()},
      {"alignments", "Inspect and clean an alignments file: list, draw, export, remove-faces",
       AlignmentsCommand()},
      {"transcode", "Re-encode a video or image folder (optionally a frame range): video I/O check",
       TranscodeCommand()},
      {"pack-faces", "Pack a folder of aligned faces into one face-set file for train",
       PackFacesCommand()},
      {"sort", "Rank a folder of face PNGs (identity, blur, size, pose, landmarks-error)",
       SortCommand()},
      {"score", "Measure a swap: detection, identity, landmarks, jitter, PSNR, seams (JSON report)",
       ScoreCommand()},
      {"latent", "The model's code space: outlier faces, interpolation, a 2-D map of faces",
       LatentCommand()},
      {"plugins", "List the registered plugins of each kind with their options and defaults",
       PluginsCommand()},
  };
}

}  // namespace faceswap
