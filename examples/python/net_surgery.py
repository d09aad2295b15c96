#!/usr/bin/env python3
"""Net surgery, as Caffe's net_surgery notebook does it: Caffe's trained LeNet
made fully convolutional by casting its InnerProduct layers to convolutions
(ip1: 500 x 800 -> 500 filters of 50 x 4 x 4; ip2: 10 x 500 -> 10 of 500 x 1 x 1).
On a 28 x 28 image it gives LeNet's outputs; on a larger image it gives a map
of them, one per 28 x 28 window (stride 4).

    PYTHONPATH=build/python python3 examples/python/net_surgery.py
"""
import os
import sys
import tempfile

import numpy as np

import strata as caffe
from strata import layers as L, params as P

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
FIXTURES = os.path.join(ROOT, 'tests', 'fixtures', 'caffe')


def fully_convolutional(size):
    """LeNet with ip1 and ip2 as convolutions, for size x size images."""
    n = caffe.NetSpec()
    n.data = L.Input(shape=dict(dim=[1, 1, size, size]))
    n.conv1 = L.Convolution(n.data, num_output=20, kernel_size=5)
    n.pool1 = L.Pooling(n.conv1, pool=P.Pooling.MAX, kernel_size=2, stride=2)
    n.conv2 = L.Convolution(n.pool1, num_output=50, kernel_size=5)
    n.pool2 = L.Pooling(n.conv2, pool=P.Pooling.MAX, kernel_size=2, stride=2)
    n['ip1-conv'] = L.Convolution(n.pool2, num_output=500, kernel_size=4)
    n.relu1 = L.ReLU(n['ip1-conv'], in_place=True)
    n['ip2-conv'] = L.Convolution(n.relu1, num_output=10, kernel_size=1)
    n.prob = L.Softmax(n['ip2-conv'])
    return n.to_proto()


def main():
    lenet = caffe.Net(os.path.join(FIXTURES, 'lenet_deploy.prototxt'),
                      os.path.join(FIXTURES, 'lenet_fashion_iter_10000.caffemodel'), caffe.TEST)
    results = {}
    for size in (28, 36):
        with tempfile.NamedTemporaryFile('w', suffix='.prototxt', delete=False) as f:
            f.write(str(fully_convolutional(size)))
        conv = caffe.Net(f.name, caffe.TEST)
        os.unlink(f.name)
        for name in ('conv1', 'conv2'):  # same layers: copy as they are
            for mine, theirs in zip(conv.params[name], lenet.params[name]):
                mine.data[...] = theirs.data
        # The cast: an InnerProduct's weights, reshaped to filters.
        for fc, cv in (('ip1', 'ip1-conv'), ('ip2', 'ip2-conv')):
            conv.params[cv][0].data.flat = lenet.params[fc][0].data.flat
            conv.params[cv][1].data[...] = lenet.params[fc][1].data
        results[size] = conv

    rng = np.random.RandomState(0)
    image = rng.rand(1, 1, 28, 28).astype(np.float32)
    lenet.blobs['data'].reshape(1, 1, 28, 28)
    lenet.reshape()
    expected = lenet.forward(data=image)['prob'][0].copy()  # a view: the next forward rewrites it
    got = results[28].forward(data=image)['prob'][0, :, 0, 0]
    print('28x28: largest difference from LeNet %.2e' % np.abs(got - expected).max())
    big = rng.rand(1, 1, 36, 36).astype(np.float32)
    prob_map = results[36].forward(data=big)['prob'][0]
    print('36x36: a %dx%d map of class probabilities' % prob_map.shape[1:])
    window = lenet.forward(data=big[:, :, 4:32, 4:32])['prob'][0]
    print('window (4, 4) against LeNet on that crop: largest difference %.2e' %
          np.abs(prob_map[:, 1, 1] - window).max())
    return 0 if np.abs(got - expected).max() < 1e-5 else 1


if __name__ == '__main__':
    sys.exit(main())
