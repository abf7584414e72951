// The one list of `faceswap` subcommands. Each Add*Command lives in its own file.
#include "tools/command.h"

namespace faceswap {

CommandSetup ExtractCommand();
CommandSetup TrainCommand();
CommandSetup ConvertCommand();
CommandSetup AlignmentsCommand();
CommandSetup TranscodeCommand();
CommandSetup PackFacesCommand();

std::vector<CommandEntry> BuiltinCommands() {
  return {
      {"extract", "Detect, landmark and align every face in a video or image folder",
       ExtractCommand()},
      {"train", "Train a shared encoder with one decoder per identity on aligned faces",
       TrainCommand()},
      {"convert", "Swap faces in a video with a trained model and write the result",
       ConvertCommand()},
      {"alignments", "Inspect an alignments file: list, draw, export", AlignmentsCommand()},
      {"transcode", "Re-encode a video or image folder (optionally a frame range): video I/O check",
       TranscodeCommand()},
      {"pack-faces", "Pack a folder of aligned faces into one face-set file for train",
       PackFacesCommand()},
  };
}

}  // namespace faceswap
