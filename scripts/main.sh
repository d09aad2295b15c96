#!/usr/bin/env bash
# The main job: install what is missing, build, convert Fashion-MNIST, train the
# default model (LeNet, the most accurate model that trains within about ten
# minutes on two cores), print its accuracy on the 10,000-image test set, and
# plot the training curves.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
bash scripts/convert_fashion_mnist.sh
build_dir="${STRATA_BUILD_DIR:-build}"
model=models/fashion_mnist/lenet
run_dir=$model/snapshots
mkdir -p "$run_dir"
echo "main: training $model/solver.prototxt (progress and ETA below; 2.5 to 4 minutes on 2 cores)"
summary=$("$build_dir/tools/train" --solver="$model/solver.prototxt" \
  --log_csv="$run_dir/training_log.csv" | tee /dev/stderr)
/usr/bin/python3 scripts/plot_training.py "$run_dir/training_log.csv" "$run_dir/training.png" \
  --title "LeNet on Fashion-MNIST" > /dev/null
accuracy=$(printf '%s\n' "$summary" | sed -n 's/.*: accuracy = //p' | tail -n 1)
snapshot=$(printf '%s\n' "$summary" | sed -n 's/^Snapshot: //p')
echo
echo "Fashion-MNIST test accuracy (LeNet): $accuracy"
echo "Snapshot: $snapshot"
echo "Plot: $run_dir/training.png"
