#!/usr/bin/env bash
# The README's test command: install packages, build, fetch sample media, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
# ON explicitly: the demo command builds into the same folder with the tests off, and CMake
# would keep that cached choice (ctest then finds nothing: --no-tests=error makes that red).
bash tools/build.sh -DFACESWAP_BUILD_TESTS=ON
bash samples/fetch.sh
bash samples/fetch-models.sh
bash samples/make-clips.sh
cd "${FACESWAP_BUILD_DIR:-build}"
ctest -j "$(nproc)" --output-on-failure --timeout 900 --no-tests=error
