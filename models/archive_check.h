// Checks a LibTorch archive (what torch::save writes: a zip of pickled data plus generated
// TorchScript class definitions) before LibTorch loads it. LibTorch 1.13 compiles the
// archive's code/ entries on load, and malformed code there crashes its compiler (a segfault in
// ScriptTypeParser found by tests/fuzz/checkpoint_fuzz). torch::save of modules, optimizers
// and tensor lists only ever writes plain attribute declarations, so anything else in code/
// means the file was not written by faceswap: refuse it with a one-line FatalError.
#pragma once

#include <cstddef>
#include <exception>
#include <string>

namespace faceswap {

// Throws FatalError("cannot load <what> '<path>': <problem>; <expected>") for an unreadable
// zip or code that is not the attribute declarations torch::save writes, e.g.
// CheckArchiveCode(p, "packed face set", "expected a file written by 'faceswap pack-faces'").
// Includes no torch header.
void CheckArchiveCode(const std::string& path, const std::string& what,
                      const std::string& expected);

// The message of an exception from LibTorch's loaders on one line (TorchScript reports span
// several), without the C++ backtrace a c10::Error carries, cut to `max_size` characters.
std::string TorchErrorText(const std::exception& e, size_t max_size = 200);

}  // namespace faceswap
