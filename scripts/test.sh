#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (CTest) twice:
# a normal Release build in build/, then everything built with AddressSanitizer
# and UndefinedBehaviorSanitizer in build-asan/ (at -O1), where any report fails.
# Then the threaded tests (thread pool, prefetching data layers, nets sharing
# weights across threads, the serving soak) built with ThreadSanitizer in
# build-tsan/. STRATA_SKIP_SANITIZERS=1 runs only the first. Last, the library
# and the kernel tests built with clang in build-clang/ (the kernels are where
# the compilers differ; STRATA_SKIP_CLANG=1 skips it).
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

if [ "${STRATA_SKIP_CLANG:-0}" != "1" ]; then
  clang_dir="${STRATA_CLANG_BUILD_DIR:-build-clang}"
  if [ ! -f "$clang_dir/CMakeCache.txt" ]; then
    CC=clang CXX=clang++ cmake -S . -B "$clang_dir" -DCMAKE_BUILD_TYPE=Release > /dev/null
  fi
  cmake --build "$clang_dir" -j"$(nproc)" --target strata packed_gemm_test winograd_test \
    conv_algorithm_test convolution_layer_test depthwise_conv_test
  ctest --test-dir "$clang_dir" --output-on-failure -j"$(nproc)" \
    -R '(PackedGemm|Winograd|ConvAlgorithm|ConvolutionLayerTest|DepthwiseConvTest|Kernels\.)'
fi
