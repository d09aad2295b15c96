#!/usr/bin/env python3
"""Caffe's LeNet on Fashion-MNIST in PyTorch (Debian's python3-torch), the twin
of models/fashion_mnist/lenet for benchmarks/run.sh: the same layers, Caffe's
xavier initialisation (uniform in +-sqrt(3 / fan_in)) with zero biases, batch
64, SGD with momentum 0.9 and weight decay 5e-4, Caffe's "inv" policy
(lr = 0.01 * (1 + 1e-4 * iter) ^ -0.75), pixels scaled by 1/256.

  --mode bench: ms per iteration for the forward pass, forward+backward and the
                whole step with the update; medians of --repeats runs of --iters
                iterations, in the line format strata_bench prints.
  --mode train: --max-iter iterations with a test on the 10,000 test images
                every --test-interval; prints the accuracy and the time.

Run with OMP_NUM_THREADS=<threads> OPENBLAS_NUM_THREADS=1: with both at two
threads they share two cores and it runs at half speed."""
import argparse
import gzip
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn


def read_idx(path):
    with (gzip.open if path.endswith('.gz') else open)(path, 'rb') as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack('>' + 'I' * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(folder, prefix):
    images = read_idx(os.path.join(folder, f'{prefix}-images-idx3-ubyte.gz'))
    labels = read_idx(os.path.join(folder, f'{prefix}-labels-idx1-ubyte.gz'))
    x = torch.from_numpy(images.astype(np.float32) * 0.00390625).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.ip1 = nn.Linear(50 * 4 * 4, 500)
        self.ip2 = nn.Linear(500, 10)
        for layer in (self.conv1, self.conv2, self.ip1, self.ip2):
            fan_in = layer.weight[0].numel()
            bound = (3.0 / fan_in) ** 0.5
            nn.init.uniform_(layer.weight, -bound, bound)
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        x = nn.functional.max_pool2d(self.conv1(x), 2)
        x = nn.functional.max_pool2d(self.conv2(x), 2)
        return self.ip2(torch.relu(self.ip1(torch.flatten(x, 1))))


class Trainer:
    def __init__(self, train):
        self.model = LeNet()
        self.x, self.y = train
        self.cursor = 0
        self.iteration = 0
        # Caffe's weight decay is L2 on every parameter, biases included.
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9,
                                         weight_decay=5e-4)
        self.loss = nn.CrossEntropyLoss()

    def batch(self):
        # Records in order, wrapping at the end, as Caffe's Data layer reads them.
        index = (torch.arange(64) + self.cursor) % len(self.y)
        self.cursor = (self.cursor + 64) % len(self.y)
        return self.x[index], self.y[index]

    def forward_backward(self, x, y):
        self.optimizer.zero_grad()
        loss = self.loss(self.model(x), y)
        loss.backward()
        return loss

    def step(self):
        for group in self.optimizer.param_groups:
            group['lr'] = 0.01 * (1 + 1e-4 * self.iteration) ** -0.75
        loss = self.forward_backward(*self.batch())
        self.optimizer.step()
        self.iteration += 1
        return loss

    def test(self, test):
        x, y = test
        correct, total_loss = 0, 0.0
        with torch.no_grad():
            for start in range(0, len(y), 100):
                out = self.model(x[start:start + 100])
                correct += (out.argmax(1) == y[start:start + 100]).sum().item()
                total_loss += self.loss(out, y[start:start + 100]).item()
        return correct / len(y), total_loss / (len(y) // 100)


def bench(trainer, args):
    for _ in range(args.warmup):
        trainer.step()
    x, y = trainer.batch()
    timings = {'fwd': [], 'fwd+bwd': [], 'iter(fwd+bwd+update)': []}
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.iters):
            with torch.no_grad():
                trainer.model(x)
        timings['fwd'].append((time.perf_counter() - start) / args.iters * 1e3)
        start = time.perf_counter()
        for _ in range(args.iters):
            trainer.forward_backward(x, y)
        timings['fwd+bwd'].append((time.perf_counter() - start) / args.iters * 1e3)
        start = time.perf_counter()
        for _ in range(args.iters):
            trainer.step()
        timings['iter(fwd+bwd+update)'].append((time.perf_counter() - start) / args.iters * 1e3)
    print(f'bench LeNet torch {torch.__version__} threads={torch.get_num_threads()} batch=64 '
          f'iters/repeat={args.iters} repeats={args.repeats} warmup={args.warmup}')
    for name, runs in timings.items():
        print(f'  {name:22s} ms/iter median={np.median(runs):.3f} min={min(runs):.3f} '
              f'max={max(runs):.3f}  all=' + ' '.join(f'{t:.3f}' for t in runs))


def train(trainer, test, args):
    start = time.perf_counter()
    for it in range(1, args.max_iter + 1):
        loss = trainer.step()
        if it % args.test_interval == 0 or it == args.max_iter:
            accuracy, test_loss = trainer.test(test)
            print(f'iter {it} train loss={loss.item():.5f} test accuracy={accuracy:.4f} '
                  f'loss={test_loss:.5f} elapsed={time.perf_counter() - start:.1f}s', flush=True)
    print(f'FINAL iter={args.max_iter} test_accuracy={accuracy:.4f} test_loss={test_loss:.5f} '
          f'seconds={time.perf_counter() - start:.1f}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--mode', choices=['bench', 'train'], default='bench')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--iters', type=int, default=200)
    ap.add_argument('--warmup', type=int, default=50)
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--max-iter', type=int, default=10000)
    ap.add_argument('--test-interval', type=int, default=500)
    ap.add_argument('--seed', type=int, default=1701)
    ap.add_argument('--data', default=os.environ.get('FASHION_MNIST_DIR',
                                                      '/usr/share/datasets/fashion-mnist'))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    trainer = Trainer(load(args.data, 'train'))
    if args.mode == 'bench':
        bench(trainer, args)
    else:
        train(trainer, load(args.data, 't10k'), args)


if __name__ == '__main__':
    main()
