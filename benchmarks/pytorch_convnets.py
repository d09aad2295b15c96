#!/usr/bin/env python3
"""The nets of benchmarks/nets/make_convnets.py in PyTorch (Debian's python3-torch),
for benchmarks/run.sh, with random weights and input:

  --mode train   ms per training iteration in train() mode: forward, loss,
                 backward (every parameter's gradient and the input's, as
                 Strata's force_backward) and an SGD step with momentum
  --mode fwdbwd  the same without the SGD step
  --mode eval    ms per forward in eval() mode without autograd (inference)

Medians of --repeats runs. Run with OMP_NUM_THREADS=<threads> OPENBLAS_NUM_THREADS=1."""
import argparse
import resource
import time

import numpy as np
import torch
import torch.nn as nn


def conv_bn(cin, cout, k, stride=1, pad=0, groups=1, relu=True):
    layers = [nn.Conv2d(cin, cout, k, stride, pad, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = conv_bn(cin, cout, 3, stride, 1)
        self.b = conv_bn(cout, cout, 3, 1, 1, relu=False)
        self.proj = conv_bn(cin, cout, 1, stride, 0, relu=False) if stride != 1 or cin != cout \
            else None

    def forward(self, x):
        y = self.b(self.a(x))
        return torch.relu_(y + (self.proj(x) if self.proj is not None else x))


class ResNet(nn.Module):
    def __init__(self, stem, stages, blocks, classes):
        super().__init__()
        if stem == 'cifar':
            self.stem = conv_bn(3, stages[0], 3, 1, 1)
        else:
            self.stem = nn.Sequential(conv_bn(3, stages[0], 7, 2, 3), nn.MaxPool2d(3, 2, 1))
        layers, cin = [], stages[0]
        for s, out in enumerate(stages):
            for b in range(blocks):
                layers.append(BasicBlock(cin, out, 2 if b == 0 and s > 0 else 1))
                cin = out
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes, bias=True)

    def forward(self, x):
        x = self.body(self.stem(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class MobileNetV1(nn.Module):
    def __init__(self):
        super().__init__()
        plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + \
               [(1024, 2), (1024, 1)]
        layers, cin = [conv_bn(3, 32, 3, 2, 1)], 32
        for out, stride in plan:
            layers += [conv_bn(cin, cin, 3, stride, 1, groups=cin), conv_bn(cin, out, 1)]
            cin = out
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, 1000)

    def forward(self, x):
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(self.body(x), 1), 1))


NETS = {
    'resnet20': (lambda: ResNet('cifar', [16, 32, 64], 3, 10), 64, 32),
    'resnet18': (lambda: ResNet('imagenet', [64, 128, 256, 512], 2, 1000), 8, 224),
    'mobilenet_v1': (MobileNetV1, 1, 224),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--net', choices=sorted(NETS), required=True)
    ap.add_argument('--mode', choices=['train', 'fwdbwd', 'eval'], required=True)
    ap.add_argument('--batch', type=int, default=0, help='0: the benchmark batch')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--iters', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--repeats', type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    make, batch, size = NETS[args.net]
    batch = args.batch or batch
    model = make()
    x = torch.randn(batch, 3, size, size)
    if args.mode in ('train', 'fwdbwd'):
        model.train()
        x.requires_grad_(True)
        target = torch.randint(0, 10, (batch,))
        loss_fn = nn.CrossEntropyLoss()
        opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

        def step():
            opt.zero_grad()
            loss_fn(model(x), target).backward()
            if args.mode == 'train':
                opt.step()
    else:
        model.eval()

        def step():
            with torch.no_grad():
                model(x)
    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.iters):
            step()
        times.append((time.perf_counter() - start) / args.iters * 1e3)
    label = {'train': 'train', 'fwdbwd': 'fwd+bwd', 'eval': 'eval'}[args.mode]
    print(f'torch {args.net} threads={args.threads} batch={batch}')
    print(f'  {label:>10}: median={np.median(times):.3f} ms (min {min(times):.3f})')
    print(f'peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB')


if __name__ == '__main__':
    main()
