#!/usr/bin/env bash
# Shows that two verbatim binaries analyze the demo export to the same bytes: runs the demo
# analyze (codebook themes, as scripts/demo.sh) and a theme-discovery analyze of the same export
# with each binary, then diffs stats.json and responses.jsonl of the two runs, the JSON of
# `verbatim ideas` over them and the HTML of `verbatim report` (with compare and segments). Exit 0 when all are byte-identical, 1 otherwise.
#
# Usage: scripts/same-output.sh OLD_BINARY NEW_BINARY [WORK_DIR]
#   e.g. git stash; cargo build --release; cp target/release/verbatim /tmp/verbatim-old; ...
# Needs the encoder under models/ (scripts/install.sh); about a minute of CPU per analyze.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 OLD_BINARY NEW_BINARY [WORK_DIR]" >&2; exit 2; }
OLD=$(realpath "$1"); NEW=$(realpath "$2")
WORK=${3:-$(mktemp -d)}
mkdir -p "$WORK"
COLS=(--text-col Comment --score-col Score --id-col ResponseId --date-col Date
      --segment-col Country --segment-col Plan)
status=0
for which in old new; do
  bin=$OLD; [ "$which" = new ] && bin=$NEW
  "$bin" analyze corpora/demo/feedback.csv "${COLS[@]}" --codebook corpora/eval/themes.yaml \
    --out "$WORK/$which-codebook" --force >/dev/null 2>"$WORK/$which-codebook.log"
  "$bin" analyze corpora/demo/feedback.csv "${COLS[@]}" \
    --out "$WORK/$which-discover" --force >/dev/null 2>"$WORK/$which-discover.log"
  for run in codebook discover; do
    "$bin" ideas "$WORK/$which-$run" --json --limit 1000 >"$WORK/$which-$run.ideas.json"
    "$bin" report "$WORK/$which-$run" --out "$WORK/$which-$run.report.html" >/dev/null 2>&1
  done
done
for run in codebook discover; do
  for f in stats.json responses.jsonl; do
    if cmp -s "$WORK/old-$run/$f" "$WORK/new-$run/$f"; then
      echo "same      $run/$f ($(wc -c <"$WORK/new-$run/$f") bytes)"
    else
      echo "DIFFERENT $run/$f"; diff <(head -c 2000 "$WORK/old-$run/$f") \
        <(head -c 2000 "$WORK/new-$run/$f") | head -5 || true; status=1
    fi
  done
  if cmp -s "$WORK/old-$run.ideas.json" "$WORK/new-$run.ideas.json"; then
    echo "same      $run/ideas --json ($(wc -c <"$WORK/new-$run.ideas.json") bytes)"
  else
    echo "DIFFERENT $run/ideas --json"; status=1
  fi
  # The report names its run folder: compare with the old folder's name replaced.
  if cmp -s <(sed "s#$WORK/old-#$WORK/new-#g; s#old-$run#new-$run#g" "$WORK/old-$run.report.html") \
    "$WORK/new-$run.report.html"; then
    echo "same      $run/report.html ($(wc -c <"$WORK/new-$run.report.html") bytes)"
  else
    echo "DIFFERENT $run/report.html"; status=1
  fi
done
echo "runs in $WORK"
exit $status
