#!/usr/bin/env bash
# The main job: install what is missing, build, convert Fashion-MNIST, train the
# default model (the MLP) and print its accuracy on the 10,000-image test set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
bash scripts/convert_fashion_mnist.sh
build_dir="${STRATA_BUILD_DIR:-build}"
solver=models/fashion_mnist/mlp/solver.prototxt
echo "main: training $solver (progress below; takes about half a minute on 2 cores)"
summary=$("$build_dir/tools/train" --solver="$solver" | tee /dev/stderr)
accuracy=$(printf '%s\n' "$summary" | sed -n 's/.*: accuracy = //p' | tail -n 1)
echo
echo "Fashion-MNIST test accuracy (MLP 784-256-128-10): $accuracy"
