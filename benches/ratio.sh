#!/usr/bin/env bash
# Throughput of `verbatim analyze` run several ways on one export, in one script on one machine
# (a shared machine's speed drifts between windows, so only the ratios inside one run compare).
#
#   bash benches/ratio.sh [ROWS=10000] [ROUNDS=1] SIDE...
#
# SIDE is NAME=ARGS, extra `analyze` arguments for target/release/verbatim (split at spaces),
# or NAME=@BIN, another verbatim binary with no extra arguments (e.g. the previous release).
# The first side is compared with each other one. Each round runs every side on the same
# ROWS-row export of real answers (benches/make_data.py from ../shared/data, seeded) with the
# eval codebook, reversing the order every other round, and prints answers/s per run; then the
# median ratio first/other over the rounds. For example:
#
#   bash benches/ratio.sh 10000 2 pooled= alone='--parts alone' ref=@/tmp/verbatim-ref
#   bash benches/ratio.sh 10000 1 int8= f32='--precision f32'
#   bash benches/ratio.sh 2000 2 tuned='--sentiment tuned' linear=
set -euo pipefail
ROWS=${1:-10000}
ROUNDS=${2:-1}
shift 2 || true
[ $# -ge 2 ] || { echo "usage: benches/ratio.sh ROWS ROUNDS NAME=ARGS|NAME=@BIN ... (two sides at least)" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DATA=${DATA:-../shared/data}
B=${B:-target/bench}
mkdir -p "$B"
[ -f "$B/export-$ROWS.csv" ] || python3 benches/make_data.py "$DATA" "$B" "$ROWS" >&2
names=()
declare -A spec rate
for s in "$@"; do
  names+=("${s%%=*}")
  spec[${s%%=*}]=${s#*=}
done
run() { # name round -> answers/s
  local out="$B/ratio-$1-$2" bin=target/release/verbatim args=() s=${spec[$1]}
  case $s in
    @*) bin=${s#@} ;;
    *) read -r -a args <<<"$s" ;;
  esac
  rm -rf "$out"
  local t0 t1
  t0=$(date +%s.%N)
  "$bin" analyze "$B/export-$ROWS.csv" --text-col comment --score-col nps --id-col respondent_id \
    --codebook corpora/eval/themes.yaml "${args[@]}" --out "$out" > "$out.log" 2>&1 \
    || { echo "$1 failed; see $out.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  python3 -c "import json; s=json.load(open('$out/summary.json')); print(round(s['analyzed']/($t1-$t0), 1))"
}
first=${names[0]}
declare -A ratios
for r in $(seq 1 "$ROUNDS"); do
  order=("${names[@]}")
  [ $((r % 2)) -eq 0 ] && mapfile -t order < <(printf '%s\n' "${names[@]}" | tac)
  for n in "${order[@]}"; do rate[$n]=$(run "$n" "$r"); done
  line="round $r:"
  for n in "${names[@]}"; do line+=" $n ${rate[$n]} answers/s,"; done
  for n in "${names[@]:1}"; do
    x=$(python3 -c "print(round(${rate[$first]}/${rate[$n]}, 3))")
    ratios[$n]+=" $x"
    line+=" $first/$n $x,"
  done
  echo "${line%,}"
done
for n in "${names[@]:1}"; do
  # shellcheck disable=SC2086
  echo "median $first/$n $(python3 -c "import statistics,sys; print(round(statistics.median(map(float, sys.argv[1:])), 3))" ${ratios[$n]})"
done
