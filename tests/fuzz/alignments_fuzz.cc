// Fuzzes the alignments-file reader: ReadAlignments (plain or gzip file, detected by content)
// and AlignmentsFromJson on the same bytes. Seeds: files written by `faceswap extract`
// (tools/fuzz.sh). Invariants: only FatalError, with a one-line message; whatever is read
// writes back to JSON that reads back to the same file text.
#include <cstdint>
#include <string>

#include "base/check.h"
#include "pipeline/alignments_file.h"
#include "tests/fuzz/fuzz_util.h"

using namespace faceswap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::FuzzFile file("alignments.json");
  const std::string& path = file.Write(data, size);
  Alignments read;
  bool ok = true;
  try {
    read = ReadAlignments(path);
  } catch (const FatalError& e) {
    fuzz::ExpectOneLine(e);
    ok = false;
  }
  if (ok) {
    const std::string text = AlignmentsToJson(read);
    try {
      if (AlignmentsToJson(AlignmentsFromJson(text, "rewritten file")) != text) {
        fuzz::Die("a rewritten alignments file reads back different");
      }
    } catch (const FatalError& e) {
      fuzz::Die(std::string("a rewritten alignments file does not read back: ") + e.what());
    }
  }
  try {
    AlignmentsFromJson(std::string(reinterpret_cast<const char*>(data), size), "fuzz input");
  } catch (const FatalError& e) {
    fuzz::ExpectOneLine(e);
  }
  return 0;
}
