#!/usr/bin/env bash
# Data-parallel training on this machine (docs/distributed.md), all in one run:
#   1. the allreduce microbenchmark between 2 ranks over Open MPI's shared
#      memory and over TCP on loopback, fitted with T = alpha + bytes * beta;
#   2. LeNet (Fashion-MNIST LMDB) and the AlexNet-sized net (random inputs),
#      each at one global batch: 1 rank x 2 threads, 2 ranks x 1 thread (with and
#      without overlapping the allreduce with backward), and 1 rank x 1 thread
#      at half the batch (one rank's compute, for the cost model);
#   3. the cost model's allreduce time beside the exchange wait measured in
#      the 2-rank runs.
# Usage: benchmarks/distributed.sh [build dir]; figures are medians of the
# display intervals after the first.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
out=$(mktemp -d /tmp/strata-distributed.XXXXXX)
trap 'rm -rf "$out"' EXIT
mpirun="mpirun --allow-run-as-root --oversubscribe"

# Least squares on the relative error (weights 1 / T^2) over the sizes in
# [lo, hi] bytes: the bandwidth falls once a message leaves the caches, so
# small and large messages get a line each. With a 4th argument, alpha is
# that (the large sizes cannot see the latency) and only beta is fitted, by
# plain least squares (ruled by the largest sizes, as big gradients are).
fit() {  # file lo hi [alpha_us] -> "alpha_us beta_ns_per_byte"
  awk -v lo="$2" -v hi="$3" -v fixed="${4:-}" '$1 >= lo && $1 <= hi {
      w = 1 / ($2 * $2); sw += w; sx += w * $1; sy += w * $2; sxx += w * $1 * $1; sxy += w * $1 * $2
      if (fixed != "") { r += $1 * ($2 - fixed * 1e-6); q += $1 * $1 } }
    END { if (fixed != "") { a = fixed * 1e-6; b = r / q }
      else { b = (sw * sxy - sx * sy) / (sw * sxx - sx * sx); a = (sy - b * sx) / sw }
      printf "%.3f %.4f\n", a * 1e6, b * 1e9 }' "$1"
}
echo "-- allreduce between 2 ranks: T = alpha + bytes * beta, fitted"
$mpirun -np 2 "$build/benchmarks/allreduce_bench" > "$out/shm"
$mpirun --mca btl tcp,self -np 2 "$build/benchmarks/allreduce_bench" > "$out/tcp"
echo "| transport | sizes | alpha (us) | beta (ns/byte) | bandwidth (GB/s) |"
echo "| --- | --- | --- | --- | --- |"
for transport in shm tcp; do
  read -r alpha beta < <(fit "$out/$transport" 4 1048576)
  read -r _ large < <(fit "$out/$transport" 4194304 67108864 "$alpha")
  name=$([ "$transport" = shm ] && echo "shared memory" || echo "TCP, loopback")
  awk -v t="$name" -v a="$alpha" -v b="$beta" -v l="$large" 'BEGIN {
    printf "| %s | 4 B - 1 MiB | %.1f | %.3f | %.2f |\n", t, a, b, 1 / b
    printf "| %s | 4 - 64 MiB | (same) | %.3f | %.2f |\n", t, l, 1 / l }'
  if [ "$transport" = shm ]; then small_alpha=$alpha small_beta=$beta large_beta=$large; fi
done
echo "bytes seconds (shared memory):"; cat "$out/shm"
echo "bytes seconds (TCP):"; cat "$out/tcp"

# The AlexNet-sized training net: the deploy net on constant inputs, with a loss.
/usr/bin/python3 - models/alexnet/deploy.prototxt "$out/alexnet_train.prototxt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
text = re.sub(r'layer \{\s*name: "data"\s*type: "Input".*?\n\}\n', '''layer {
  name: "data" type: "DummyData" top: "data" top: "label"
  dummy_data_param { shape { dim: BATCH dim: 3 dim: 227 dim: 227 } shape { dim: BATCH }
    data_filler { type: "constant" value: 0.5 } data_filler { type: "constant" value: 3 } }
}
''', text, flags=re.S)
text = re.sub(r'layer \{\s*name: "prob"\s*type: "Softmax".*?\n\}\n',
              'layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc8" bottom: "label" top: "loss" }\n',
              text, flags=re.S)
open(sys.argv[2], "w").write(text)
PY

# $1 name, $2 net file (with BATCH or lenet's batch_size 64), $3 batch, $4 max_iter, $5 display
solver() {
  local net="$out/$1_$3.prototxt"
  if [ "$1" = lenet ]; then
    sed "0,/batch_size: 64/s//batch_size: $3/" "$2" > "$net"
  else
    sed "s/BATCH/$3/g" "$2" > "$net"
  fi
  printf 'net: "%s"\nbase_lr: 0.001\nmomentum: 0.9\nlr_policy: "fixed"\ndisplay: %s\nmax_iter: %s\nsnapshot_after_train: false\nrandom_seed: 1\n' \
    "$net" "$5" "$4" > "$out/$1_$3_solver.prototxt"
  echo "$out/$1_$3_solver.prototxt"
}
rate() {  # median iter/s over the display intervals after the first
  grep -oE 'Iteration [0-9]+ \(([0-9.]+) iter/s' "$1" | sed -E 's/.*\(([0-9.]+) iter.*/\1/' | tail -n +3 |
    sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
echo
echo "-- training, the same global batch: images/s (iteration ms)"
echo "| net, global batch | 1 rank x 2 threads | 2 ranks x 1 thread | 2 ranks, no overlap | exchange wait ms/iteration (overlap / none) | allreduce model ms (shm) | MB per iteration | 1 rank x 1 thread, half batch |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for spec in "lenet models/fashion_mnist/lenet/train_val.prototxt 64 600 50" \
            "alexnet $out/alexnet_train.prototxt 16 14 2"; do
  set -- $spec
  name=$1 net=$2 batch=$3 iters=$4 display=$5 half=$(($3 / 2))
  whole=$(solver "$name" "$net" "$batch" "$iters" "$display")
  part=$(solver "$name" "$net" "$half" "$iters" "$display")
  STRATA_NUM_THREADS=2 "$build/tools/train" --solver="$whole" > /dev/null 2> "$out/$name.one2"
  STRATA_NUM_THREADS=1 "$build/tools/train" --solver="$part" > /dev/null 2> "$out/$name.one1"
  $mpirun -x STRATA_NUM_THREADS=1 -np 2 "$build/tools/train" --solver="$part" > "$out/$name.two.out" 2> "$out/$name.two"
  $mpirun -x STRATA_NUM_THREADS=1 -np 2 "$build/tools/train" --solver="$part" --mpi_overlap=false \
    > "$out/$name.flat.out" 2> "$out/$name.flat"
  wait_ms() { sed -nE 's/.*each iteration waited ([0-9.]+) ms.*/\1/p' "$1"; }
  bytes=$(sed -nE 's/.*ranks, ([0-9.]+) MB of gradients.*/\1/p' "$out/$name.two.out")
  awk -v b="$batch" -v r1="$(rate "$out/$name.one2")" -v r2="$(rate "$out/$name.two")" \
    -v r3="$(rate "$out/$name.flat")" -v r4="$(rate "$out/$name.one1")" \
    -v w2="$(wait_ms "$out/$name.two.out")" -v w3="$(wait_ms "$out/$name.flat.out")" \
    -v mb="$bytes" -v n="$name" -v sa="$small_alpha" -v sb="$small_beta" -v la="$small_alpha" \
    -v lb="$large_beta" 'BEGIN {
      a = mb < 4 ? sa : la; beta = mb < 4 ? sb : lb
      model = (a * 1e-6 + mb * 1e6 * beta * 1e-9) * 1e3
      printf "| %s, %d | %.0f img/s (%.1f ms) | %.0f img/s (%.1f ms) | %.0f img/s (%.1f ms) | %.2f / %.2f | %.2f | %.2f | %.1f ms |\n",
        n, b, r1 * b, 1e3 / r1, r2 * b, 1e3 / r2, r3 * b, 1e3 / r3, w2, w3, model, mb, 1e3 / r4 }'
done
echo "(allreduce model: alpha + bytes * beta at the fitted shared-memory terms for the size, the"
echo " time the exchange takes when none of it is hidden: compare with the no-overlap wait)"
