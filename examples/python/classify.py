#!/usr/bin/env python3
"""Classify photos with a Transformer, as pycaffe's classification example does:
each image loaded as RGB floats, resized to the net's input, transposed to
channels first, swapped to BGR, scaled to 0..255 and the mean subtracted.
The net is the small colour net of tests/fixtures/caffe/images/classify (its
labels are placeholders); give any deploy net, weights and labels instead.

    PYTHONPATH=build/python python3 examples/python/classify.py [IMAGE ...]
"""
import os
import sys

import numpy as np

import strata as caffe
from strata.proto import caffe_pb2

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
FIXTURES = os.path.join(ROOT, 'tests', 'fixtures', 'caffe', 'images')


def main(images):
    folder = os.path.join(FIXTURES, 'classify')
    net = caffe.Net(os.path.join(folder, 'deploy.prototxt'),
                    os.path.join(folder, 'tiny.caffemodel'), caffe.TEST)
    labels = [line.strip() for line in open(os.path.join(folder, 'labels.txt'))]
    mean = caffe_pb2.BlobProto()
    with open(os.path.join(folder, 'mean.binaryproto'), 'rb') as f:
        mean.ParseFromString(f.read())

    t = caffe.io.Transformer({'data': net.blobs['data'].data.shape})
    t.set_transpose('data', (2, 0, 1))      # H x W x C -> C x H x W
    t.set_channel_swap('data', (2, 1, 0))   # RGB -> BGR, as the net was trained
    t.set_raw_scale('data', 255)            # [0, 1] -> [0, 255]
    t.set_mean('data', caffe.io.blobproto_to_array(mean)[0].mean(axis=(1, 2)))

    net.blobs['data'].reshape(len(images), *net.blobs['data'].data.shape[1:])
    net.reshape()
    batch = np.array([t.preprocess('data', caffe.io.load_image(path)) for path in images])
    probs = net.forward(data=batch)['prob']
    for path, p in zip(images, probs):
        best = int(p.argmax())
        print('%-16s %.4f %s' % (os.path.basename(path), p[best], labels[best]))


if __name__ == '__main__':
    paths = sys.argv[1:] or sorted(os.path.join(FIXTURES, 'images', name)
                                   for name in os.listdir(os.path.join(FIXTURES, 'images')))
    main(paths)
