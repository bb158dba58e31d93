#!/usr/bin/env bash
# The MPI tests (`make test-mpi`): the MPI build of `criticality` under 2 ranks against one
# process. Each check prints one line; any failure ends the script with a non-zero status.
set -euo pipefail
BIN=${BIN:-.build-mpi/release/criticality}
MPIRUN=(mpirun --oversubscribe -np 2)
if [ "$(id -u)" = 0 ]; then MPIRUN=(mpirun --allow-run-as-root --oversubscribe -np 2); fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# summary.json without the lines that time the machine.
physics() { grep -vE '_seconds"|_per_second"' "$1"; }
# Every array, table and the summary's numbers of two results folders are bitwise equal.
same() {
  local a=$1 b=$2 n=0
  for f in "$a"/*.npy "$a"/*.csv; do
    [ -e "$f" ] || continue
    cmp -s "$f" "$b/$(basename "$f")" || fail "$(basename "$f") differs between $a and $b"
    n=$((n + 1))
  done
  cmp -s <(physics "$a/summary.json") <(physics "$b/summary.json") || fail "summary.json numbers differ between $a and $b"
  echo "$n"
}

# 1. Ensembles: reverse diffusion (binary patch, 32², 16 members; 16², 40 members in 32 blocks
#    of 1 or 2, split 16 + 16 over the ranks), a model-A quench (also with [equilibrium] time
#    series), guidance pulses.
for case in "binary-patch lattice.shape=[32,32] run.members=16" "binary-patch lattice.shape=[16,16] run.members=40" "quickstart run.members=8" "quickstart run.members=8 equilibrium.from=50.0 equilibrium.every=1.0" \
            "pulse-binary-patch run.members=16"; do
  set -- $case
  file=parameters/$1.toml; shift
  sets=(); for s in "$@"; do sets+=(--set "$s"); done
  "$BIN" run "$file" --out "$WORK/$1-one" "${sets[@]}" --set run.threads=1 --quiet > /dev/null
  "${MPIRUN[@]}" "$BIN" run "$file" --out "$WORK/$1-two" "${sets[@]}" --set run.threads=1 --quiet > /dev/null
  [ ! -e "$WORK/$1-two.partial" ] || fail "a partial folder was left behind"
  echo "ok: $file, 2 ranks = 1 process, bitwise ($(same "$WORK/$1-one" "$WORK/$1-two") files and summary.json)"
done

# 2. A scan (8 points × 2 replicas): 2 ranks = 1 process; stopped after 5 tasks under 2 ranks
#    and resumed under 1 process, the same table.
scan=(parameters/bifurcation-two-point.toml --set scan.points=8 --set scan.replicas=2 --quiet)
"$BIN" run "${scan[@]}" --out "$WORK/scan-one" > /dev/null
"${MPIRUN[@]}" "$BIN" run "${scan[@]}" --out "$WORK/scan-two" > /dev/null
echo "ok: scan, 2 ranks = 1 process, bitwise ($(same "$WORK/scan-one" "$WORK/scan-two") files and summary.json)"
if "${MPIRUN[@]}" "$BIN" run "${scan[@]}" --out "$WORK/scan-resumed" --stop-after 5 > /dev/null 2>&1; then fail "a stopped scan exited with status 0"; fi
stored=$(ls "$WORK/.scan-resumed.scan/points" | wc -l)
[ "$stored" = 5 ] || fail "the stopped scan stored $stored tasks, not 5"
"$BIN" run "${scan[@]}" --out "$WORK/scan-resumed" > /dev/null
grep -q '"tasks_reused" : 5' "$WORK/scan-resumed/summary.json" || fail "the resumed scan did not reuse the 5 stored tasks"
for f in scan.csv scan.npy replicas.csv; do cmp -s "$WORK/scan-one/$f" "$WORK/scan-resumed/$f" || fail "$f of the resumed scan differs"; done
echo "ok: scan stopped after 5 of 16 tasks under 2 ranks, resumed under 1 process: the same table"

# 3. A failing rank ends the job: non-zero status, the rank named, within seconds (rank 0
#    waits for rank 1's results when rank 1 fails).
start=$(date +%s)
if CRITICALITY_FAIL_RANK=1 "${MPIRUN[@]}" -x CRITICALITY_FAIL_RANK "$BIN" run parameters/binary-patch.toml --out "$WORK/failed" --set lattice.shape=[32,32] --quiet > "$WORK/failed.log" 2>&1; then
  fail "a failing rank left the job with status 0"
fi
elapsed=$(( $(date +%s) - start ))
grep -q "criticality: error: rank 1 of 2: failed on purpose" "$WORK/failed.log" || fail "the message does not name rank 1: $(cat "$WORK/failed.log")"
[ "$elapsed" -le 20 ] || fail "the failed job took $elapsed s to end"
[ ! -e "$WORK/failed" ] || fail "a failed run left a results folder"
echo "ok: rank 1 failing ends the 2-rank job with a non-zero status in ${elapsed} s, naming the rank"
# An invalid scan point is refused before anything runs, on every rank.
if "${MPIRUN[@]}" "$BIN" run "${scan[@]}" --out "$WORK/bad" --set scan.from=-1.0 > "$WORK/bad.log" 2>&1; then fail "an invalid scan point exited with status 0"; fi
grep -q "criticality: error: rank [01] of 2: " "$WORK/bad.log" || fail "no rank named for an invalid scan point: $(cat "$WORK/bad.log")"
echo "ok: an invalid scan point ends the 2-rank job with a non-zero status, naming the rank"
