#!/usr/bin/env bash
# Golden outputs of every example in parameters/: the SHA-256 of every .npy array and of
# summary.json without its timing lines, for refactors that must not change a single bit.
#   bash Tests/golden/run.sh record   # writes Tests/golden/examples.sha256
#   bash Tests/golden/run.sh          # runs every example again and compares (make golden)
# About 10 minutes on 2 cores (pulse-digits alone 4).
# FFTW chooses its kernels by CPU, so the hashes hold for the CPU named in the file's first line.
set -euo pipefail
BIN=${BIN:-.build/release/criticality}
mode=${1:-check}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo "# $cpu" > "$WORK/hashes"
for f in parameters/*.toml; do
  name=$(basename "$f" .toml)
  # Validation experiments of half an hour or more say so in their header.
  if grep -q '^# golden: skip' "$f"; then echo "$name: skipped (long validation experiment)"; continue; fi
  start=$(date +%s%N)
  # The examples are the repository's own: their external models (trained-*.toml) may start.
  "$BIN" run "$f" --out "$WORK/$name" --quiet --allow-external > /dev/null
  (cd "$WORK/$name"
   for a in *.npy; do echo "$name/$a $(sha256sum < "$a" | cut -d' ' -f1)"; done
   echo "$name/summary.json $(grep -vE '_seconds"|_per_second"' summary.json | sha256sum | cut -d' ' -f1)") >> "$WORK/hashes"
  printf '%-40s %6d ms\n' "$name" $(( ($(date +%s%N) - start) / 1000000 ))
done
if [ "$mode" = record ]; then
  cp "$WORK/hashes" Tests/golden/examples.sha256
  echo "recorded $(grep -vc '^#' Tests/golden/examples.sha256) hashes on $cpu"
  exit 0
fi
recorded=$(head -1 Tests/golden/examples.sha256 | sed 's/^# //')
[ "$recorded" = "$cpu" ] || echo "note: the hashes were recorded on $recorded; this is $cpu (FFTW's kernels may differ)"
differ=$(diff <(grep -v '^#' Tests/golden/examples.sha256) <(grep -v '^#' "$WORK/hashes") | grep -c '^[<>]' || true)
total=$(grep -vc '^#' Tests/golden/examples.sha256)
diff <(grep -v '^#' Tests/golden/examples.sha256) <(grep -v '^#' "$WORK/hashes") || true
echo "golden: $((total - differ / 2)) passed, $((differ / 2)) failed"
[ "$differ" = 0 ]
