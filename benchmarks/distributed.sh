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

fit() {  # "bytes seconds" lines -> "alpha_us beta_ns_per_byte"
  awk '{ n[NR] = $1; t[NR] = $2 }
    END { a = t[1]; sx = sy = sxx = sxy = m = 0
      for (i = 1; i <= NR; ++i) if (n[i] >= 65536) { x = n[i]; y = t[i] - a; sxx += x * x; sxy += x * y }
      printf "%.2f %.4f\n", a * 1e6, sxy / sxx * 1e9 }' "$1"
}
echo "-- allreduce between 2 ranks (median seconds per size)"
$mpirun -np 2 "$build/benchmarks/allreduce_bench" > "$out/shm"
$mpirun --mca btl tcp,self -np 2 "$build/benchmarks/allreduce_bench" > "$out/tcp"
read -r shm_alpha shm_beta < <(fit "$out/shm")
read -r tcp_alpha tcp_beta < <(fit "$out/tcp")
echo "| transport | alpha (us) | beta (ns/byte) | bandwidth (GB/s) |"
echo "| --- | --- | --- | --- |"
awk -v a="$shm_alpha" -v b="$shm_beta" 'BEGIN { printf "| shared memory | %.1f | %.3f | %.2f |\n", a, b, 1 / b }'
awk -v a="$tcp_alpha" -v b="$tcp_beta" 'BEGIN { printf "| TCP, loopback | %.1f | %.3f | %.2f |\n", a, b, 1 / b }'

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
    -v mb="$bytes" -v a="$shm_alpha" -v beta="$shm_beta" -v n="$name" 'BEGIN {
      model = (2 * a * 1e-6 + mb * 1e6 * beta * 1e-9) * 1e3
      printf "| %s, %d | %.0f img/s (%.1f ms) | %.0f img/s (%.1f ms) | %.0f img/s (%.1f ms) | %.2f / %.2f | %.2f | %.2f | %.1f ms |\n",
        n, b, r1 * b, 1e3 / r1, r2 * b, 1e3 / r2, r3 * b, 1e3 / r3, w2, w3, model, mb, 1e3 / r4 }'
done
echo "(allreduce model: 2 alpha + bytes * beta at the fitted shared-memory terms, the time the"
echo " exchange takes when none of it is hidden: compare with the no-overlap wait)"
