#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (CTest) twice:
# a normal Release build in build/, then everything built with AddressSanitizer
# and UndefinedBehaviorSanitizer in build-asan/ (at -O1), where any report fails.
# Then the threaded tests (thread pool, prefetching data layers, nets sharing
# weights across threads, the serving soak) built with ThreadSanitizer in
# build-tsan/. STRATA_SKIP_SANITIZERS=1 runs only the first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
build_dir="${STRATA_BUILD_DIR:-build}"
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)"

if [ "${STRATA_SKIP_SANITIZERS:-0}" != "1" ]; then
  asan_dir="${STRATA_ASAN_BUILD_DIR:-build-asan}"
  if [ ! -f "$asan_dir/CMakeCache.txt" ]; then
    cmake -S . -B "$asan_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
      -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG" -DSTRATA_SANITIZE=ON > /dev/null
  fi
  cmake --build "$asan_dir" -j"$(nproc)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir "$asan_dir" --output-on-failure -j"$(nproc)"
fi

if [ "${STRATA_SKIP_SANITIZERS:-0}" != "1" ]; then
  tsan_dir="${STRATA_TSAN_BUILD_DIR:-build-tsan}"
  if [ ! -f "$tsan_dir/CMakeCache.txt" ]; then
    cmake -S . -B "$tsan_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
      -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG" -DSTRATA_TSAN=ON > /dev/null
  fi
  cmake --build "$tsan_dir" -j"$(nproc)" --target thread_pool_test data_layer_test \
    image_data_layer_test inference_test serving_soak_test serving_soak
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions="$PWD/scripts/tsan.supp" \
    ctest --test-dir "$tsan_dir" --output-on-failure -j"$(nproc)" \
    -R '^(ThreadPoolTest|DataLayerTest|ImageDataLayerTest|InferenceTest|ServingSoakTest)\.'
fi
