#!/usr/bin/env bash
# Configures and builds faceswap (Release, Ninja, ccache) into ${FACESWAP_BUILD_DIR:-build}.
# Extra arguments go to the CMake configure step, e.g. -DFACESWAP_BUILD_TESTS=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${FACESWAP_BUILD_DIR:-build}"
export CCACHE_BASEDIR="$PWD"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
# Each file that includes <torch/torch.h> needs ~1.1 GB to compile: 2 jobs fit any 8 GB machine.
cmake --build "$BUILD_DIR" -j "${FACESWAP_JOBS:-$(nproc)}"
