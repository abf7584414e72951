// Fuzzes the checkpoint loader: LoadModuleFile (encoder.pt, decoder<i>.pt) and
// LoadOptimizerFile (optimizer.pt), the per-file readers of LoadCheckpoint. The modules are
// the real Encoder/Decoder classes built from a tiny ArchitectureSpec, so that archives stay
// a few KB (a real `lite` encoder.pt is ~70 MB) while keeping the real parameter names and
// nesting. Input: byte 0 picks the file kind (encoder, decoder, optimizer), the rest is the
// file. Seeds: the three files saved here from a model after one Adam step
// (FACESWAP_FUZZ_WRITE_SEEDS, run by tools/fuzz.sh).
// Invariants: only FatalError, one line; a load that returns leaves every parameter and
// buffer with its shape, dtype and device, and Adam state shaped like its parameter.
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "base/check.h"
#include "models/autoencoder.h"
#include "models/checkpoint.h"
#include "tests/fuzz/fuzz_util.h"

using namespace faceswap;

namespace {

ArchitectureSpec TinySpec() {
  ArchitectureSpec spec;
  spec.name = "tiny";
  spec.input_size = 16;
  spec.encoder_filters = {4, 8};
  spec.dense = 8;
  spec.bottleneck_side = 4;
  spec.bottleneck_channels = 4;
  spec.encoder_upscale = 4;
  spec.decoder_filters = {4};
  return spec;
}

struct Tiny {
  Encoder encoder{TinySpec()};
  Decoder decoder{TinySpec(), /*mask_output=*/true};
  std::vector<torch::Tensor> Params() {
    auto p = encoder->parameters();
    for (auto& t : decoder->parameters()) p.push_back(t);
    return p;
  }
};

enum Kind : uint8_t { kEncoder, kDecoder, kOptimizer, kKinds };

std::string Shape(const torch::Tensor& t) {
  return t.defined() ? c10::str(t.sizes(), " ", t.dtype(), " ", t.device()) : "undefined";
}

// Shape, dtype and device of every parameter and buffer (copied: a load may change the
// tensors in place).
std::vector<std::string> Shapes(torch::nn::Module& module) {
  std::vector<std::string> shapes;
  for (auto& p : module.parameters()) shapes.push_back(Shape(p));
  for (auto& b : module.buffers()) shapes.push_back(Shape(b));
  return shapes;
}

void ExpectSameShapes(torch::nn::Module& module, const std::vector<std::string>& before) {
  const std::vector<std::string> after = Shapes(module);
  for (size_t i = 0; i < after.size() || i < before.size(); ++i) {
    if (i >= after.size() || i >= before.size() || after[i] != before[i]) {
      fuzz::Die("a load that returned left tensor " + std::to_string(i) + " as " +
                (i < after.size() ? after[i] : "missing") + ", expected " +
                (i < before.size() ? before[i] : "none"));
    }
  }
}

void ExpectAdamStateFits(torch::optim::Adam& adam) {
  for (auto& group : adam.param_groups()) {
    for (auto& p : group.params()) {
      auto it = adam.state().find(c10::guts::to_string(p.unsafeGetTensorImpl()));
      if (it == adam.state().end()) continue;
      auto& s = static_cast<torch::optim::AdamParamState&>(*it->second);
      for (const torch::Tensor& t : {s.exp_avg(), s.exp_avg_sq()}) {
        if (!t.defined() || t.sizes() != p.sizes() || t.dtype() != p.dtype() ||
            t.device() != p.device()) {
          fuzz::Die("a loaded Adam state is " + Shape(t) + " for a parameter " + Shape(p));
        }
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  torch::set_num_threads(1);
  if (const std::string dir = fuzz::SeedFolder(); !dir.empty()) {
    torch::manual_seed(0);
    Tiny model;
    torch::optim::Adam adam(model.Params(), 1e-3);
    auto x = torch::rand({2, 3, 16, 16});
    model.decoder->forward(model.encoder->forward(x)).mean().backward();
    adam.step();
    // Same calls as SaveCheckpoint, each file prefixed with its kind byte.
    auto save = [&](Kind kind, const std::string& name, auto& value) {
      std::ostringstream os;
      torch::save(value, os);
      fuzz::WriteSeed(dir + "/" + name, std::string(1, static_cast<char>(kind)) + os.str());
    };
    save(kEncoder, "encoder.pt", model.encoder);
    save(kDecoder, "decoder0.pt", model.decoder);
    save(kOptimizer, "optimizer.pt", adam);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static fuzz::FuzzFile file("checkpoint.pt");
  const Kind kind = static_cast<Kind>(data[0] % kKinds);
  const std::string& path = file.Write(data + 1, size - 1);
  Tiny model;
  torch::nn::Module& module = kind == kEncoder ? static_cast<torch::nn::Module&>(*model.encoder)
                                               : static_cast<torch::nn::Module&>(*model.decoder);
  const std::vector<std::string> before = Shapes(module);
  torch::optim::Adam adam(model.Params(), 1e-3);
  try {
    if (kind == kOptimizer) {
      LoadOptimizerFile(adam, path, torch::kCPU);
      ExpectAdamStateFits(adam);
    } else {
      LoadModuleFile(module, path, torch::kCPU);
      ExpectSameShapes(module, before);
    }
  } catch (const FatalError& e) {
    fuzz::ExpectOneLine(e);
  }
  return 0;
}
