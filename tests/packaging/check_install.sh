#!/usr/bin/env bash
# Installs Strata the two ways a user can - `cmake --install` into a prefix, and
# the .deb that `cpack -G DEB` builds - and builds and runs
# examples/cpp_classification against each, as a downstream project would.
#   check_install.sh <source dir> <build dir>
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
fixtures="$src/tests/fixtures/caffe"
images=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
work=$(mktemp -d /tmp/strata-package.XXXXXX)
trap 'rm -rf "$work"' EXIT

fail() { echo "check_install: $*" >&2; exit 1; }

# Builds the example against the Strata under $1, runs it, and checks it links that copy.
build_and_run_example() {
  local prefix=$1 name=$2
  cmake -S "$src/examples/cpp_classification" -B "$work/example-$name" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release > "$work/example-$name.log" 2>&1 ||
    { cat "$work/example-$name.log"; fail "configuring the example against $prefix failed"; }
  cmake --build "$work/example-$name" -j2 >> "$work/example-$name.log" 2>&1 ||
    { cat "$work/example-$name.log"; fail "building the example against $prefix failed"; }
  local binary="$work/example-$name/classify_example"
  # (No early-exiting grep in a pipe: with pipefail its SIGPIPE would fail the check.)
  local libraries
  libraries=$(ldd "$binary")
  [[ "$libraries" == *"$prefix"*libstrata.so* ]] ||
    { echo "$libraries"; fail "the example does not load libstrata from $prefix"; }
  if [ -d "$fixtures" ] && [ -f "$images" ]; then
    "$binary" "$fixtures/lenet_deploy.prototxt" "$fixtures/lenet_fashion_iter_10000.caffemodel" \
      "$images" 5 > "$work/run-$name.txt" || { cat "$work/run-$name.txt"; fail "the example failed"; }
    # Caffe's LeNet on the first test images: ankle boot, pullover, trouser, trouser, shirt.
    grep -q "image 0: Ankle boot" "$work/run-$name.txt" &&
      grep -q "image 1: Pullover" "$work/run-$name.txt" &&
      grep -q "replica in a second thread agrees on all 5 images" "$work/run-$name.txt" ||
      { cat "$work/run-$name.txt"; fail "unexpected classes from the example ($name)"; }
  else
    fail "$fixtures or $images is missing (the repository holds the first; scripts/install_deps.sh installs the second)"
  fi
  echo "example against $name: $(tail -1 "$work/run-$name.txt")"
}

# 1. cmake --install into a prefix.
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log" || fail "cmake --install failed"
for f in include/strata/net.hpp include/strata/layers/convolution_layer.hpp \
         include/strata/proto/net.pb.h lib/cmake/Strata/StrataConfig.cmake \
         lib/cmake/Strata/StrataTargets.cmake share/strata/proto/net.proto; do
  [ -e "$prefix/$f" ] || fail "cmake --install did not install $f"
done
ls "$prefix"/lib/libstrata.so* > /dev/null || fail "no libstrata.so installed"
for tool in train test time classify summary draw_net gradcheck convert_mnist upgrade_net; do
  "$prefix/bin/strata-$tool" --help > /dev/null || fail "installed strata-$tool --help failed"
done
build_and_run_example "$prefix" install
# The Python module, where it was built: imported from the prefix, it loads that libstrata.
check_python() {
  local root=$1 name=$2 site="$1/lib/python3/dist-packages"
  [ -d "$build/python/strata" ] || return 0
  [ -f "$site/strata/__init__.py" ] || fail "the $name lacks the Python module"
  PYTHONPATH="$site" /usr/bin/python3 -c "
import strata, os, sys
assert strata.__file__.startswith('$site'), strata.__file__
net = strata.Net('$fixtures/lenet_deploy.prototxt', '$fixtures/lenet_fashion_iter_10000.caffemodel', strata.TEST)
print(net.forward()['prob'].shape)" > "$work/python-$name.txt" 2>&1 ||
    { cat "$work/python-$name.txt"; fail "import strata from the $name failed"; }
  # A tool runs a Python layer with the strata beside its libstrata (PYTHONPATH
  # holds only the layer's module).
  mkdir -p "$work/layers"
  printf '%s\n' 'import strata' 'class Twice(strata.Layer):' \
    '    def reshape(self, bottom, top): top[0].reshape(*bottom[0].data.shape)' \
    '    def forward(self, bottom, top): top[0].data[...] = 2 * bottom[0].data' \
    '    def backward(self, top, down, bottom): bottom[0].diff[...] = 2 * top[0].diff' \
    > "$work/layers/twice.py"
  printf '%s\n' 'force_backward: true' \
    'layer { name: "x" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }' \
    'layer { name: "twice" type: "Python" bottom: "x" top: "y"' \
    '        python_param { module: "twice" layer: "Twice" } }' > "$work/python_layer.prototxt"
  PYTHONPATH="$work/layers" "$root/bin/strata-gradcheck" --model="$work/python_layer.prototxt" \
    > "$work/python-tool-$name.txt" 2>&1 && grep -q "twice .*PASS" "$work/python-tool-$name.txt" ||
    { cat "$work/python-tool-$name.txt"; fail "the $name's gradcheck did not run a Python layer"; }
}
check_python "$prefix" install

# 2. The Debian package, unpacked (installing it would need root and touch /usr).
(cd "$build" && cpack -G DEB -B "$work/deb" > "$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack -G DEB failed"; }
deb=$(ls "$work"/deb/strata_*.deb)
dpkg-deb --info "$deb" > "$work/deb-info.txt"
dpkg-deb -c "$deb" > "$work/deb-contents.txt"
grep -q "Depends:.*libprotobuf" "$work/deb-info.txt" || fail "the .deb lacks its dependencies"
grep -q "./usr/bin/strata-train -> ../libexec/strata/train" "$work/deb-contents.txt" ||
  fail "the .deb lacks the strata-train link"
dpkg-deb -x "$deb" "$work/root"
build_and_run_example "$work/root/usr" deb
check_python "$work/root/usr" deb
echo "check_install: install prefix and $(basename "$deb") both serve a downstream project"
