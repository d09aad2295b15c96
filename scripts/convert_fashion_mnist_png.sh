#!/usr/bin/env bash
# Fashion-MNIST as a folder of photos would be: grey PNG files in class folders
# (data/fashion_mnist_png/{train,test}/LABEL/NNNNN.png) with the lists
# data/fashion_mnist_png/{train,test}.txt ('train/9/00000.png 9'), then, from the
# files, an LMDB of the encoded PNGs per split (convert_imageset --encoded), as
# Caffe's users convert their photos. Skips what is up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${STRATA_BUILD_DIR:-build}"
src="${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
out=data/fashion_mnist_png
mkdir -p "$out"
for split in train:train t10k:test; do
  prefix="${split%%:*}"
  name="${split##*:}"
  images="$src/$prefix-images-idx3-ubyte.gz"
  labels="$src/$prefix-labels-idx1-ubyte.gz"
  if [ -f "$out/$name.txt" ] && [ "$out/$name.txt" -nt "$images" ] && [ "$out/$name.txt" -nt "$labels" ]; then
    echo "convert: $out/$name is up to date"
  else
    rm -rf "${out:?}/$name" "$out/$name.txt"  # stale: convert_mnist refuses to overwrite
    "$build_dir/tools/convert_mnist" --format=png --images="$images" --labels="$labels" \
      --output="$out/$name"
  fi
  db="$out/${name}_lmdb"
  if [ -f "$db/data.mdb" ] && [ "$db/data.mdb" -nt "$out/$name.txt" ]; then
    echo "convert: $db is up to date"
  else
    rm -rf "$db"
    "$build_dir/tools/convert_imageset" --encoded --gray "$out/" "$out/$name.txt" "$db"
  fi
done
