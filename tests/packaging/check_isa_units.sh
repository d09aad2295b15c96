#!/usr/bin/env bash
# The kernel units compiled for AVX2 or AVX-512 must define no weak (inline,
# template) symbols: the linker keeps one copy of each, and one compiled with
# wider instructions would then run on CPUs without them. (DW.ref.* are data:
# a reference to the exception personality routine, which builds without
# optimization emit.) Arguments: object files.
set -euo pipefail
status=0
for object in "$@"; do
  case "$object" in
    */kernels/avx2/* | */kernels/avx512/*) ;;
    *) continue ;;
  esac
  weak=$(nm -C "$object" | awk '($2 == "W" || $2 == "V" || $2 == "u") && $3 !~ /^DW\.ref\./')
  if [ -n "$weak" ]; then
    echo "check_isa_units: $object defines shared symbols:" >&2
    echo "$weak" >&2
    status=1
  fi
  checked=1
done
[ "${checked:-0}" = 1 ] || { echo "check_isa_units: no kernel objects given" >&2; exit 1; }
exit $status
