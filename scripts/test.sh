#!/usr/bin/env bash
# The test command of README.md: installs what the tests need (libtorch, the default model),
# then runs every test in release mode (the model tests run real inference).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
cargo test --release --all-targets "$@"
