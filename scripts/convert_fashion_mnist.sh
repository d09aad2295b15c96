#!/usr/bin/env bash
# Converts Debian's Fashion-MNIST (IDX, gzipped) into HDF5 and LMDB under data/fashion_mnist/,
# skipping files that are already newer than their sources.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${STRATA_BUILD_DIR:-build}"
src="${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
out=data/fashion_mnist
for split in train:train t10k:test; do
  prefix="${split%%:*}"
  name="${split##*:}"
  images="$src/$prefix-images-idx3-ubyte.gz"
  labels="$src/$prefix-labels-idx1-ubyte.gz"
  target="$out/$name.h5"
  if [ -f "$target" ] && [ -f "$target.txt" ] && [ "$target" -nt "$images" ] && [ "$target" -nt "$labels" ]; then
    echo "convert: $target is up to date"
    continue
  fi
  rm -f "$target" "$target.txt"  # stale: convert_mnist refuses to overwrite
  "$build_dir/tools/convert_mnist" --images="$images" --labels="$labels" --output="$target"
done
# LMDB copies in Caffe's layout, for the Data layer (the LeNet models).
for split in train:train t10k:test; do
  prefix="${split%%:*}"
  name="${split##*:}"
  images="$src/$prefix-images-idx3-ubyte.gz"
  labels="$src/$prefix-labels-idx1-ubyte.gz"
  target="$out/${name}_lmdb"
  if [ -f "$target/data.mdb" ] && [ "$target/data.mdb" -nt "$images" ] && [ "$target/data.mdb" -nt "$labels" ]; then
    echo "convert: $target is up to date"
    continue
  fi
  rm -rf "$target"  # stale: convert_mnist refuses to overwrite
  "$build_dir/tools/convert_mnist" --format=lmdb --images="$images" --labels="$labels" --output="$target"
done
