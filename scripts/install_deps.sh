#!/usr/bin/env bash
# Installs the Debian 12 packages Strata needs, only those that are missing.
# Run as root (or with sudo available).
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang clang-format
  libprotobuf-dev protobuf-compiler
  libopenblas-dev
  libboost-iostreams-dev
  libgoogle-glog-dev libgflags-dev
  libgtest-dev
  libhdf5-dev
  liblmdb-dev
  libleveldb-dev
  libopencv-imgcodecs-dev libopencv-imgproc-dev
  libjpeg62-turbo-dev
  dataset-fashion-mnist
  python3-matplotlib
  python3-dev pybind11-dev python3-numpy python3-protobuf python3-pytest python3-pydot graphviz
  libopenmpi-dev openmpi-bin
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install_deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
