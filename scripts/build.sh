#!/usr/bin/env bash
# Configures (once) and builds Strata in Release mode into build/ (or $STRATA_BUILD_DIR).
# Incremental: re-running rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${STRATA_BUILD_DIR:-build}"
if [ ! -f "$build_dir/CMakeCache.txt" ] || [ ! -f "$build_dir/Makefile" ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "$@"
fi
cmake --build "$build_dir" -j"$(nproc)"
