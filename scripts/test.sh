#!/usr/bin/env bash
# The test command of README.md: installs what the tests need (libtorch, the default model,
# Debian's chromium for the browser test), then runs every test in release mode (the model
# tests run real inference on real text).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
if [ ${#need[@]} -gt 0 ]; then
  echo "[test] installing ${need[*]} (apt) for the browser end-to-end test" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null) \
    || echo "[test] could not install ${need[*]}; the browser test will say so" >&2
fi
# Library, binary and integration tests; benches are run by benches/run_benches.sh.
cargo test --release --lib --bins --tests "$@"
