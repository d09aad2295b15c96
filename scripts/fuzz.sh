#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (AddressSanitizer + UBSan) into build-fuzz/ and
# runs each for a fixed time on a seed corpus from models/ and tests/fixtures.
#   bash scripts/fuzz.sh [seconds per target, default 60] [target ...]
# Prints, per target, the executions run and whether anything was found; crashing
# inputs are kept in build-fuzz/findings/<target>/. docs/reliability.md records a run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_net fuzz_weights fuzz_idx fuzz_hdf5)
build=build-fuzz
fixtures=tests/fixtures/caffe

bash scripts/install_deps.sh
command -v clang++ > /dev/null ||
  { [ "$(id -u)" -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang libclang-rt-14-dev > /dev/null; }
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSTRATA_FUZZ=ON -DSTRATA_BUILD_TESTS=OFF -DSTRATA_BUILD_TOOLS=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" > /dev/null
fi
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" > "$build/build.log" 2>&1 ||
  { tail -30 "$build/build.log"; exit 1; }

# Seed corpora.
seed() {
  local target=$1 dir="$build/corpus/$1"
  mkdir -p "$dir"
  case $target in
    fuzz_net)
      find models -name '*.prototxt' ! -name 'solver*' -exec cp {} "$dir/" \; 2>/dev/null || true
      for f in "$fixtures"/*deploy*.prototxt "$fixtures"/*train*.prototxt; do
        [ -f "$f" ] && cp "$f" "$dir/"
      done ;;
    fuzz_weights)
      for f in "$fixtures"/coverage_iter_30.caffemodel "$fixtures"/lenet_fashion_iter_10000.caffemodel \
               "$fixtures"/lenet_fashion_iter_10000.caffemodel.h5; do
        [ -f "$f" ] && cp "$f" "$dir/"
      done ;;
    fuzz_idx)
      # Small IDX files, plain and gzipped, cut from Fashion-MNIST.
      local images=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
      local labels=/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz
      if [ -f "$images" ]; then
        printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x1c\x00\x00\x00\x1c' > "$dir/images2"
        # (zcat stops early on a closed pipe: not an error here.)
        { zcat "$images" || true; } | head -c 1584 | tail -c 1568 >> "$dir/images2"
        gzip -c "$dir/images2" > "$dir/images2.gz"
        { zcat "$labels" || true; } | head -c 18 > "$dir/labels10"
      fi ;;
    fuzz_hdf5)
      for f in "$fixtures"/coverage_reference.h5 "$fixtures"/lenet_fashion_iter_10000.caffemodel.h5; do
        [ -f "$f" ] && cp "$f" "$dir/"
      done ;;
  esac
}

echo "| target | seconds | executions | corpus | findings |"
echo "| --- | --- | --- | --- | --- |"
status=0
for target in "${targets[@]}"; do
  seed "$target"
  findings="$build/findings/$target"
  mkdir -p "$findings"
  log="$build/$target.log"
  set +e
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    "$build/fuzz/$target" "$build/corpus/$target" -max_total_time="$seconds" -max_len=65536 \
    -rss_limit_mb=2048 -timeout=20 -artifact_prefix="$findings/" -print_final_stats=1 > "$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -1)
  corpus=$(ls "$build/corpus/$target" | wc -l)
  found=$(ls "$findings" | wc -l)
  [ $rc -ne 0 ] && status=1
  echo "| $target | $seconds | ${runs:-?} | $corpus | $found$([ $rc -ne 0 ] && echo " (exit $rc, see $log)") |"
done
exit $status
