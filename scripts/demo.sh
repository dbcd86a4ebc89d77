#!/usr/bin/env bash
# Quick start: installs what verbatim needs, analyzes the demo export in corpora/demo, then
# searches it, ranks improvement ideas and writes the HTML report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
cargo build --release --quiet --bin verbatim
V=target/release/verbatim
RUN=${RUN:-runs/demo}
$V analyze corpora/demo/feedback.csv \
  --text-col Comment --score-col Score --id-col ResponseId --date-col Date \
  --segment-col Country --segment-col Plan \
  --codebook corpora/eval/themes.yaml --out "$RUN" --format parquet --force
echo; echo '$ verbatim search '"$RUN"' "משלוח" --nps detractor'
$V search "$RUN" "משלוח" --nps detractor --limit 5
echo; echo '$ verbatim search '"$RUN"' "late delivery" --lang fa'
$V search "$RUN" "late delivery" --lang fa --limit 5
echo; echo '$ verbatim ideas '"$RUN"' --min-count 3'
$V ideas "$RUN" --min-count 3
$V report "$RUN"
echo; echo "report: $RUN/report.html"
