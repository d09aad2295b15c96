#!/usr/bin/env python3
"""PyTorch's nn.LSTM (Debian's python3-torch) beside Strata's LSTM for
benchmarks/run.sh: ms per forward and per forward+backward (gradients of every
parameter and of the input) at --steps x --batch x --input, --hidden units,
medians of --repeats runs. The Strata twins are benchmarks/nets/lstm_*.prototxt.

Run with OMP_NUM_THREADS=<threads> OPENBLAS_NUM_THREADS=1 (see pytorch_lenet.py)."""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--steps', type=int, default=28)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--input', type=int, default=28)
    ap.add_argument('--hidden', type=int, default=128)
    ap.add_argument('--iters', type=int, default=20)
    ap.add_argument('--warmup', type=int, default=5)
    ap.add_argument('--repeats', type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(7)
    lstm = nn.LSTM(args.input, args.hidden)
    x = torch.randn(args.steps, args.batch, args.input, requires_grad=True)
    grad = torch.randn(args.steps, args.batch, args.hidden) * 1e-3
    for _ in range(args.warmup):
        lstm(x)[0].backward(grad)
    res = {'fwd': [], 'fwd+bwd': []}
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        for _ in range(args.iters):
            with torch.no_grad():
                lstm(x)
        res['fwd'].append((time.perf_counter() - t0) / args.iters * 1e3)
        t0 = time.perf_counter()
        for _ in range(args.iters):
            lstm.zero_grad()
            x.grad = None
            lstm(x)[0].backward(grad)
        res['fwd+bwd'].append((time.perf_counter() - t0) / args.iters * 1e3)
    print(f'pytorch {torch.__version__} lstm T={args.steps} N={args.batch} D={args.input} '
          f'H={args.hidden} threads={args.threads} iters/repeat={args.iters} repeats={args.repeats}')
    for name, values in res.items():
        values = np.array(values)
        print(f'  {name:<22} ms/iter median={np.median(values):.3f} min={values.min():.3f} '
              f'max={values.max():.3f}')


if __name__ == '__main__':
    main()
