#!/usr/bin/env bash
# The README's test command: install packages, build, fetch sample media, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bash tools/build.sh
bash samples/fetch.sh
bash samples/fetch-models.sh
bash samples/make-clips.sh
cd "${FACESWAP_BUILD_DIR:-build}"
ctest -j "$(nproc)" --output-on-failure --timeout 900
