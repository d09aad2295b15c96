#!/usr/bin/env python3
"""The AlexNet-sized net of models/alexnet/deploy.prototxt in PyTorch (Debian's
python3-torch), for benchmarks/run.sh: batch 10 of 3x227x227, random weights and
input; ms per forward and per forward+backward (gradients of every parameter and
of the input, as Strata's force_backward), medians of --repeats runs.

Run with OMP_NUM_THREADS=<threads> OPENBLAS_NUM_THREADS=1 (see pytorch_lenet.py)."""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn


class AlexNet(nn.Module):
    def __init__(self):
        super().__init__()
        lrn = lambda: nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(inplace=True), lrn(), nn.MaxPool2d(3, 2),
            nn.Conv2d(96, 256, 5, padding=2, groups=2), nn.ReLU(inplace=True), lrn(),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 384, 3, padding=1, groups=2), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, 3, padding=1, groups=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2))
        self.classifier = nn.Sequential(
            nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(4096, 1000))

    def forward(self, x):
        return torch.softmax(self.classifier(torch.flatten(self.features(x), 1)), dim=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--iters', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--repeats', type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(7)
    model = AlexNet()
    x = torch.randn(10, 3, 227, 227, requires_grad=True)
    grad = torch.randn(10, 1000) * 1e-3
    for _ in range(args.warmup):
        model(x).backward(grad)
    res = {'fwd': [], 'fwd+bwd': []}
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        for _ in range(args.iters):
            with torch.no_grad():
                model(x)
        res['fwd'].append((time.perf_counter() - t0) / args.iters * 1e3)
        t0 = time.perf_counter()
        for _ in range(args.iters):
            model.zero_grad()
            x.grad = None
            model(x).backward(grad)
        res['fwd+bwd'].append((time.perf_counter() - t0) / args.iters * 1e3)
    print(f'bench AlexNet torch {torch.__version__} threads={torch.get_num_threads()} batch=10 '
          f'iters/repeat={args.iters} repeats={args.repeats}')
    for k, v in res.items():
        print(f'  {k:22s} ms/iter median={np.median(v):.3f} min={min(v):.3f} max={max(v):.3f}  all=' +
              ' '.join(f'{t:.3f}' for t in v))


if __name__ == '__main__':
    main()
