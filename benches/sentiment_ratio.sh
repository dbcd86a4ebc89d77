#!/usr/bin/env bash
# Throughput of `verbatim analyze` with the tuned sentiment top vs the linear head, in one
# script on one machine (a shared machine's speed drifts, so only the ratio is meaningful).
#
#   bash benches/sentiment_ratio.sh [ROWS=2000] [ROUNDS=2]
#
# Writes an ROWS-row export from ../shared/data (benches/make_data.py, seeded), then runs
# `analyze` ROUNDS times each way, alternating which goes first, and prints answers/s per run
# and the median ratio tuned / linear.
set -euo pipefail
ROWS=${1:-2000}
ROUNDS=${2:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DATA=${DATA:-../shared/data}
B=${B:-target/bench-data}
V=target/release/verbatim
mkdir -p "$B"
[ -f "$B/export-$ROWS.csv" ] || python3 benches/make_data.py "$DATA" "$B" "$ROWS" >&2
run() { # kind round -> answers/s
  local out="$B/ratio-$1-$2"
  rm -rf "$out"
  local t0 t1
  t0=$(date +%s.%N)
  "$V" analyze "$B/export-$ROWS.csv" --text-col comment --score-col nps --id-col respondent_id \
    --codebook corpora/eval/themes.yaml --sentiment "$1" --out "$out" > "$out.log" 2>&1
  t1=$(date +%s.%N)
  python3 -c "import json,sys; s=json.load(open('$out/summary.json')); print(s['analyzed']/($t1-$t0))"
}
ratios=()
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then l=$(run linear "$r"); t=$(run tuned "$r")
  else t=$(run tuned "$r"); l=$(run linear "$r"); fi
  ratio=$(python3 -c "print($t/$l)")
  echo "round $r: linear $l answers/s, tuned $t answers/s, ratio $ratio"
  ratios+=("$ratio")
done
python3 -c "import statistics,sys; print('median ratio tuned/linear', round(statistics.median(map(float, sys.argv[1:])), 3))" "${ratios[@]}"
