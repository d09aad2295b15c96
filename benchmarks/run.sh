#!/usr/bin/env bash
# Strata beside PyTorch, in one run on this machine (medians; see docs/performance.md).
#   bash benchmarks/run.sh [--quick]
# Needs a build (bash scripts/build.sh), the converted data (scripts/convert_fashion_mnist.sh,
# or run scripts/main.sh once) and Debian's python3-torch (installed here if missing).
# PyTorch's twins of the nets are benchmarks/pytorch_lenet.py and pytorch_alexnet.py.
# Both frameworks get the same two threads: Strata's pool, and PyTorch's OpenMP threads with
# OpenBLAS held to one (two pools of two threads on two cores run at half speed).
set -euo pipefail
cd "$(dirname "$0")/.."
# glibc hands large freed blocks back to the kernel, and PyTorch frees its
# tensors every pass: each pass then pays the page faults of fresh memory,
# which on a virtual machine swung PyTorch's ResNet-20 between 92 and 288 ms.
# Both frameworks keep their freed memory (docs/performance.md);
# BENCH_MALLOC_DEFAULTS=1 keeps glibc's defaults, as the runs before 2026-12-07 did.
if [ "${BENCH_MALLOC_DEFAULTS:-0}" != "1" ]; then
  export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=17179869184
fi
build="${STRATA_BUILD_DIR:-build}"
threads="${BENCH_THREADS:-2}"
repeats=5
[ "${1:-}" = "--quick" ] && repeats=3
bench="$build/benchmarks/strata_bench"
[ -x "$bench" ] || { echo "run.sh: $bench is missing; run bash scripts/build.sh first" >&2; exit 1; }
[ -f data/fashion_mnist/train_lmdb/data.mdb ] || bash scripts/convert_fashion_mnist.sh
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch > /dev/null
  else
    echo "run.sh: PyTorch is missing: apt-get install python3-torch" >&2; exit 1
  fi
fi
pytorch_lenet=benchmarks/pytorch_lenet.py
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
median() { grep -E "^ +$1 " "$2" | sed -E 's/.*median=([0-9.]+).*/\1/'; }

echo "== $(date -u +%F\ %H:%M) $(nproc) cores, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, STRATA_GEMM_ISA=${STRATA_GEMM_ISA:-unset}, threads=$threads, MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-default}"
"$bench" --sgemm --threads="$threads" 2> /dev/null | tee "$out/sgemm"
echo "-- LeNet training iteration, batch 64"
"$bench" --solver=models/fashion_mnist/lenet/solver.prototxt --threads="$threads" \
  --repeats="$repeats" 2> /dev/null | tee "$out/strata_lenet"
OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$pytorch_lenet" --mode bench \
  --threads "$threads" --repeats "$repeats" 2> /dev/null | tee "$out/torch_lenet"
echo "-- AlexNet-sized net, batch 10, forward + backward"
"$bench" --model=models/alexnet/deploy.prototxt --threads="$threads" --iters=5 --warmup=2 \
  --repeats="$repeats" 2> /dev/null | tee "$out/strata_alexnet"
OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=1 /usr/bin/python3 benchmarks/pytorch_alexnet.py \
  --threads "$threads" --repeats "$repeats" 2> /dev/null | tee "$out/torch_alexnet"

bound=$(sed -nE 's/.*bound ([0-9.]+) ms/\1/p' "$out/strata_lenet")
s_iter=$(median 'iter\(fwd\+bwd\+update\)' "$out/strata_lenet")
t_iter=$(median 'iter\(fwd\+bwd\+update\)' "$out/torch_lenet")
s_fb=$(median 'fwd\+bwd' "$out/strata_lenet"); t_fb=$(median 'fwd\+bwd' "$out/torch_lenet")
s_alex=$(median 'fwd\+bwd' "$out/strata_alexnet"); t_alex=$(median 'fwd\+bwd' "$out/torch_alexnet")
echo
echo "| median ms | Strata | PyTorch | Strata / PyTorch |"
echo "| --- | --- | --- | --- |"
awk -v s="$s_fb" -v t="$t_fb" 'BEGIN { printf "| LeNet forward+backward | %.2f | %.2f | %.2f |\n", s, t, s / t }'
awk -v s="$s_iter" -v t="$t_iter" 'BEGIN { printf "| LeNet training iteration | %.2f | %.2f | %.2f |\n", s, t, s / t }'
awk -v s="$s_alex" -v t="$t_alex" 'BEGIN { printf "| AlexNet forward+backward | %.1f | %.1f | %.2f |\n", s, t, s / t }'
awk -v s="$s_iter" -v b="$bound" 'BEGIN { printf "LeNet iteration / sgemm bound (%.2f ms): %.2f\n", b, s / b }'

# The Data layer on JPEG records: 512 records
# (the eight photos 64 times, 256x256, re-encoded as JPEG), crop 224.
photos=tests/fixtures/caffe/images
if [ -d "$photos/images" ]; then
  echo "-- Data layer, encoded JPEG LMDB (256x256, crop 224, mean values, batch 32)"
  for _ in $(seq 64); do cut -d' ' -f1,2 "$photos/list.txt"; done > "$out/jpeg_list.txt"
  "$build/tools/convert_imageset" --resize_height=256 --resize_width=256 --encoded \
    --encode_type=jpg "$photos/images/" "$out/jpeg_list.txt" "$out/jpeg_lmdb" 2> /dev/null > /dev/null
  for t in 1 "$threads"; do
    "$bench" --images="$out/jpeg_lmdb" --threads="$t" --iters=50 --warmup=5 --repeats="$repeats" \
      2> /dev/null | tee "$out/images_$t"
  done
  rate() { grep -E "^ +$1 " "$2" | sed -E 's/.*median=([0-9.]+).*/\1/'; }
  one=$(rate 'data\(jpeg,crop224\)' "$out/images_1"); all=$(rate 'data\(jpeg,crop224\)' "$out/images_$threads")
  decode=$(rate 'imdecode\(1 thread\)' "$out/images_$threads")
  awk -v o="$one" -v a="$all" -v d="$decode" -v t="$threads" 'BEGIN {
    printf "Data layer: %.0f images/s on 1 thread, %.0f on %d; cv::imdecode alone on 1 thread: %.0f/s\n", o, a, t, d
    printf "%d threads / imdecode alone (at least the speed-up over one Caffe prefetch thread): %.2f\n", t, a / d }'
fi

# LSTM forward + backward beside PyTorch's nn.LSTM: the lstm_rows shapes and a larger one.
# The GEMM bound: the products' multiply-adds (forward T*N*4H*(D+H), backward twice that)
# at the sgemm rate measured above.
sgemm=$(sed -nE 's/^sgemm .*: ([0-9.]+) GFLOP\/s.*/\1/p' "$out/sgemm")
echo "-- LSTM forward + backward, T x N x input -> hidden"
echo "| shape (T, N, D, H) | Strata ms | PyTorch ms | Strata / PyTorch | GEMM bound ms | bound / Strata |"
echo "| --- | --- | --- | --- | --- | --- |"
for shape in "28 64 28 128" "50 32 256 512"; do
  set -- $shape
  "$bench" --model="benchmarks/nets/lstm_t$1_n$2_d$3_h$4.prototxt" --threads="$threads" \
    --iters=20 --warmup=5 --repeats="$repeats" 2> /dev/null > "$out/strata_lstm_$1"
  OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=1 /usr/bin/python3 benchmarks/pytorch_lstm.py \
    --threads "$threads" --steps "$1" --batch "$2" --input "$3" --hidden "$4" \
    --repeats "$repeats" 2> /dev/null > "$out/torch_lstm_$1"
  s=$(median 'fwd\+bwd' "$out/strata_lstm_$1"); t=$(median 'fwd\+bwd' "$out/torch_lstm_$1")
  awk -v T="$1" -v N="$2" -v D="$3" -v H="$4" -v s="$s" -v t="$t" -v g="$sgemm" 'BEGIN {
    bound = 3 * 2 * T * N * 4 * H * (D + H) / (g * 1e9) * 1e3
    printf "| %d, %d, %d, %d | %.2f | %.2f | %.2f | %.2f | %.2f |\n", T, N, D, H, s, t, s / t, bound, bound / s }'
done

# Modern convnets beside PyTorch (issue 24's targets): ResNet-20 (CIFAR, batch 64) and
# ResNet-18 (224, batch 8) forward + backward in training mode, MobileNet v1 (224, batch 1)
# inference with BatchNorm folded. The FLOP bound: forward FLOPs (tools/summary) times 3 for
# forward + backward, at the sgemm rate measured above.
echo "-- Convnets: Strata / PyTorch (targets: ResNet-20 0.5, ResNet-18 0.7, MobileNet 0.5)"
/usr/bin/python3 benchmarks/nets/make_convnets.py "$out/convnets"
echo "| net | measured | Strata ms | PyTorch ms | Strata / PyTorch | FLOP bound ms | bound / Strata | peak RSS MB, Strata / PyTorch |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for spec in "resnet20 fwdbwd 5 ResNet20" "resnet18 fwdbwd 2 ResNet18" "mobilenet_v1 eval 10 MobileNetV1"; do
  set -- $spec
  if [ "$2" = eval ]; then
    "$bench" --model="$out/convnets/$1.prototxt" --inference --threads="$threads" --iters="$3" \
      --warmup=2 --repeats="$repeats" 2> /dev/null > "$out/strata_$1"
    s=$(median 'infer' "$out/strata_$1"); passes=1
  else
    "$bench" --model="$out/convnets/$1.prototxt" --threads="$threads" --iters="$3" --warmup=1 \
      --repeats="$repeats" 2> /dev/null > "$out/strata_$1"
    s=$(median 'fwd\+bwd' "$out/strata_$1"); passes=3
  fi
  OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=1 /usr/bin/python3 benchmarks/pytorch_convnets.py \
    --net "$1" --mode "$2" --threads "$threads" --iters "$3" --repeats "$repeats" 2> /dev/null \
    > "$out/torch_$1"
  t=$(grep -oE 'median=[0-9.]+' "$out/torch_$1" | cut -d= -f2)
  flops=$("$build/tools/summary" --model="$out/convnets/$1.prototxt" 2> /dev/null |
    sed -nE 's/.*forward: ([0-9.]+) GFLOP per batch.*/\1/p')
  rss() { sed -nE 's/^peak RSS ([0-9.]+) MB/\1/p' "$1"; }
  awk -v n="$4" -v m="$2" -v s="$s" -v t="$t" -v f="$flops" -v p="$passes" -v g="$sgemm" \
    -v rs="$(rss "$out/strata_$1")" -v rt="$(rss "$out/torch_$1")" 'BEGIN {
    bound = f * p / g * 1e3
    printf "| %s | %s | %.1f | %.1f | %.2f | %.1f | %.2f | %.0f / %.0f |\n", n, m == "eval" ? "inference, batch 1" : "forward+backward", s, t, s / t, bound, bound / s, rs, rt }'
done
# The same nets layer by layer: each product layer's share of the sgemm bound
# (benchmarks/layer_bound.py; the training nets with force_backward).
for spec in "resnet20 fwdbwd 5" "resnet18 fwdbwd 2" "mobilenet_v1 fwd 20"; do
  set -- $spec
  model="$out/convnets/$1.prototxt"
  if [ "$2" = fwdbwd ]; then
    { echo "force_backward: true"; cat "$out/convnets/$1.prototxt"; } > "$out/convnets/$1_fb.prototxt"
    model="$out/convnets/$1_fb.prototxt"
  fi
  echo "-- $1 per layer, $2, bound at $sgemm GFLOP/s"
  /usr/bin/python3 benchmarks/layer_bound.py --build "$build" --model "$model" --gflops "$sgemm" \
    --iterations "$3" --passes "$2" --min-share 0.02
done

# What calling the net from Python costs (issue 20: at most 5 % over C++).
if [ -d "$build/python/strata" ]; then
  echo "-- Python net.forward() beside the C++ forward, LeNet batch 64"
  PYTHONPATH="$build/python" /usr/bin/python3 benchmarks/python_forward.py --threads "$threads"
fi

# Data-parallel training (docs/distributed.md), where train was built with MPI.
if [ -x "$build/benchmarks/allreduce_bench" ] && command -v mpirun > /dev/null; then
  echo "-- Data-parallel training, 2 ranks on this machine"
  bash benchmarks/distributed.sh "$build"
fi
