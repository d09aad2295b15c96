#!/usr/bin/env bash
# Strata added to another project with add_subdirectory (its build files use
# PROJECT_SOURCE_DIR, never CMAKE_SOURCE_DIR): an outer project configures
# and its build of the library holds every library source. (Configuring only:
# building the library again would double the suite's time.)
#   check_add_subdirectory.sh <source dir>
set -euo pipefail
src=$(cd "$1" && pwd)
work=$(mktemp -d /tmp/strata-subdir.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "check_add_subdirectory: $*" >&2; exit 1; }

mkdir -p "$work/outer"
cat > "$work/outer/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.18)
project(outer CXX)
set(STRATA_BUILD_TESTS OFF CACHE BOOL "" FORCE)
set(STRATA_BUILD_TOOLS OFF CACHE BOOL "" FORCE)
add_subdirectory("$src" strata)
add_executable(uses_strata main.cpp)
target_link_libraries(uses_strata PRIVATE strata::strata)
CMAKE
echo 'int main() { return 0; }' > "$work/outer/main.cpp"
cmake -S "$work/outer" -B "$work/build" -DCMAKE_BUILD_TYPE=Release > "$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; fail "the outer project does not configure"; }
# Every library source of the tree is in the outer build, from its own folder
# (src/strata/distributed/ is train's MPI part, not the library's).
sources=$(cd "$src" && find src/strata -name '*.cpp' -not -path 'src/strata/distributed/*' | sort)
[ -n "$sources" ] || fail "no sources under $src/src/strata"
build_files=$(cat "$work/build/strata/CMakeFiles/strata.dir/build.make")
missing=0
for f in $sources; do
  [[ "$build_files" == *"$src/$f"* ]] || { echo "not built: $f" >&2; missing=1; }
done
[ "$missing" -eq 0 ] || fail "sources missing from the outer build"
echo "add_subdirectory: configured, $(echo "$sources" | wc -l) library sources in the outer build"
