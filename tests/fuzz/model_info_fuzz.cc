// Fuzzes the model.json reader (ReadModelInfo on a model folder). Seed: the model.json of
// `faceswap train --iterations 1` (tools/fuzz.sh). Invariants: only FatalError, one line;
// what is read writes back (ToJson) to text that reads back to the same fields.
#include <cstdint>
#include <string>

#include "base/check.h"
#include "models/model_config.h"
#include "tests/fuzz/fuzz_util.h"

using namespace faceswap;

namespace {

bool Same(const ModelInfo& a, const ModelInfo& b) {
  return a.format_version == b.format_version && a.architecture == b.architecture &&
         a.input_size == b.input_size && a.mask_output == b.mask_output &&
         a.coverage == b.coverage && a.identities == b.identities &&
         a.iteration == b.iteration && a.checkpoint == b.checkpoint &&
         a.precision == b.precision && a.loss == b.loss;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::FuzzFile file(kModelFile);
  file.Write(data, size);
  ModelInfo info;
  try {
    info = ReadModelInfo(file.dir());
  } catch (const FatalError& e) {
    fuzz::ExpectOneLine(e);
    return 0;
  }
  // ToJson prints 9 significant digits: compare what it wrote, read twice.
  try {
    const ModelInfo once = ModelInfo::FromJson(info.ToJson(), "rewritten model.json");
    if (!Same(once, ModelInfo::FromJson(once.ToJson(), "rewritten model.json"))) {
      fuzz::Die("a rewritten model.json reads back different");
    }
  } catch (const FatalError& e) {
    fuzz::Die(std::string("a rewritten model.json does not read back: ") + e.what());
  }
  return 0;
}
