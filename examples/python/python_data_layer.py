#!/usr/bin/env python3
"""Train a small classifier fed by a Python data layer (cluster_layer.Clusters),
the net written with NetSpec and trained with SGDSolver.

    PYTHONPATH=build/python python3 examples/python/python_data_layer.py
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # finds cluster_layer

import strata as caffe  # noqa: E402
from strata import layers as L  # noqa: E402


def main():
    n = caffe.NetSpec()
    n.data, n.label = L.Python(module='cluster_layer', layer='Clusters', ntop=2,
                               param_str=json.dumps({'batch': 64, 'dims': 8, 'classes': 4}))
    n.ip1 = L.InnerProduct(n.data, num_output=32, weight_filler=dict(type='xavier'))
    n.relu1 = L.ReLU(n.ip1, in_place=True)
    n.ip2 = L.InnerProduct(n.relu1, num_output=4, weight_filler=dict(type='xavier'))
    n.loss = L.SoftmaxWithLoss(n.ip2, n.label)
    n.accuracy = L.Accuracy(n.ip2, n.label)
    with tempfile.TemporaryDirectory(prefix='strata-example-') as folder:
        return train(n, folder)


def train(n, folder):
    net = os.path.join(folder, 'net.prototxt')
    with open(net, 'w') as f:
        f.write(str(n.to_proto()))
    solver = os.path.join(folder, 'solver.prototxt')
    with open(solver, 'w') as f:
        f.write('net: "%s" base_lr: 0.05 momentum: 0.9 lr_policy: "fixed" max_iter: 300 '
                'snapshot_prefix: "%s/snap"\n' % (net, folder))
    s = caffe.SGDSolver(solver)
    for _ in range(3):
        s.step(100)
        print('iteration %d: loss %.4f, accuracy %.3f' %
              (s.iter, s.net.blobs['loss'].data, s.net.blobs['accuracy'].data))
    return 0 if s.net.blobs['accuracy'].data > 0.9 else 1


if __name__ == '__main__':
    sys.exit(main())
