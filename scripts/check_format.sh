#!/usr/bin/env bash
# Fails, listing the places, when a C++ source or header differs from what
# clang-format (Debian 12's, with .clang-format) would write. Fix with:
#   clang-format -i $(git ls-files '*.cpp' '*.hpp' '*.h')
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find include src tools tests benchmarks fuzz examples \
  -path tests/fixtures -prune -o \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) -print | sort)
clang-format --dry-run --Werror "${files[@]}"
echo "check_format: ${#files[@]} files follow .clang-format"
