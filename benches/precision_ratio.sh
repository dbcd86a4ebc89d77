#!/usr/bin/env bash
# Throughput of `verbatim analyze` at the default precision (int8) vs `--precision f32`, and
# optionally vs another binary (REF=path/to/verbatim, e.g. the previous release), in one
# script on one machine (a shared machine's speed drifts, so only the ratios are meaningful).
#
#   [REF=BIN] bash benches/precision_ratio.sh [ROWS=10000] [ROUNDS=1]
#
# Uses (or writes, seeded: benches/make_data.py) an ROWS-row export of real answers from
# ../shared/data, runs `analyze` with the eval codebook each way per round, alternating which
# goes first, and prints answers/s per run and the median ratios.
set -euo pipefail
ROWS=${1:-10000}
ROUNDS=${2:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DATA=${DATA:-../shared/data}
B=${B:-target/bench}
V=target/release/verbatim
mkdir -p "$B"
[ -f "$B/export-$ROWS.csv" ] || python3 benches/make_data.py "$DATA" "$B" "$ROWS" >&2
run() { # side round -> answers/s
  local out="$B/precision-$1-$2" bin=$V args=()
  case $1 in
    f32) args=(--precision f32) ;;
    ref) bin=$REF ;;
  esac
  rm -rf "$out"
  local t0 t1
  t0=$(date +%s.%N)
  "$bin" analyze "$B/export-$ROWS.csv" --text-col comment --score-col nps --id-col respondent_id \
    --codebook corpora/eval/themes.yaml "${args[@]}" --out "$out" > "$out.log" 2>&1
  t1=$(date +%s.%N)
  python3 -c "import json; s=json.load(open('$out/summary.json')); print(round(s['analyzed']/($t1-$t0), 1))"
}
sides=(int8 f32)
[ -n "${REF:-}" ] && sides+=(ref)
declare -A rate
r8=(); rref=()
for r in $(seq 1 "$ROUNDS"); do
  order=("${sides[@]}")
  [ $((r % 2)) -eq 0 ] && order=($(printf '%s\n' "${sides[@]}" | tac))
  for s in "${order[@]}"; do rate[$s]=$(run "$s" "$r"); done
  line="round $r:"
  for s in "${sides[@]}"; do line+=" $s ${rate[$s]} answers/s,"; done
  r8+=("$(python3 -c "print(${rate[int8]}/${rate[f32]})")")
  [ -n "${REF:-}" ] && rref+=("$(python3 -c "print(${rate[int8]}/${rate[ref]})")")
  echo "$line int8/f32 ${r8[-1]}${REF:+, int8/ref ${rref[-1]}}"
done
med() { python3 -c "import statistics,sys; print(round(statistics.median(map(float, sys.argv[1:])), 3))" "$@"; }
echo "median int8/f32 $(med "${r8[@]}")"
[ -n "${REF:-}" ] && echo "median int8/ref $(med "${rref[@]}")"
exit 0
