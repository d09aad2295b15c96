"""What calling a net from Python costs: net.forward() on LeNet, batch 64,
against the same forward passes run back to back in C++, in one process,
alternating rounds. Prints the median milliseconds per pass of each and their
ratio (issue 20's target: at most 1.05).

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/python_forward.py [--threads 2]
"""
import argparse
import os
import statistics
import time

import numpy as np

import strata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--passes', type=int, default=50, help='forward passes per round')
    parser.add_argument('--rounds', type=int, default=9)
    args = parser.parse_args()
    strata.set_num_threads(args.threads)
    net = strata.Net(os.path.join(ROOT, 'models/fashion_mnist/lenet/deploy.prototxt'),
                     strata.TEST)
    data = net.blobs[net.inputs[0]]
    data.reshape(args.batch, *data.shape[1:])
    net.reshape()
    data.data[...] = np.random.RandomState(0).rand(*data.shape)
    net.forward()  # first-touch allocations out of the timing

    python_ms, cpp_ms = [], []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for _ in range(args.passes):
            net.forward()
        python_ms.append((time.perf_counter() - start) * 1e3 / args.passes)
        start = time.perf_counter()
        net._forward_repeat(args.passes)
        cpp_ms.append((time.perf_counter() - start) * 1e3 / args.passes)
    python, cpp = statistics.median(python_ms), statistics.median(cpp_ms)
    print('LeNet forward, batch %d, %d threads (median of %d rounds of %d passes)' %
          (args.batch, args.threads, args.rounds, args.passes))
    print('C++ forward:          %.3f ms' % cpp)
    print('Python net.forward(): %.3f ms' % python)
    print('Python / C++: %.3f' % (python / cpp))


if __name__ == '__main__':
    main()
