"""Python layers the tests load through python_param."""
import os
import sys

import strata

# The data layer the examples show (examples/python/cluster_layer.py), as
# py_layers.Clusters for the tests' nets.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                                'examples', 'python'))
from cluster_layer import Clusters  # noqa: E402,F401


class Scale(strata.Layer):
    """top = factor * bottom, factor from param_str."""

    def setup(self, bottom, top):
        self.factor = float(self.param_str or 1)

    def reshape(self, bottom, top):
        top[0].reshape(*bottom[0].data.shape)

    def forward(self, bottom, top):
        top[0].data[...] = self.factor * bottom[0].data

    def backward(self, top, propagate_down, bottom):
        if propagate_down[0]:
            bottom[0].diff[...] = self.factor * top[0].diff


class WrongBackward(Scale):
    """Scale with a gradient twice too large, for the gradient checks to catch."""

    def backward(self, top, propagate_down, bottom):
        bottom[0].diff[...] = 2 * self.factor * top[0].diff


class RecordsAddresses(Scale):
    """Scale that notes where the arrays it was given live."""
    addresses = {}

    def forward(self, bottom, top):
        Scale.forward(self, bottom, top)
        RecordsAddresses.addresses = {'bottom': bottom[0].data.__array_interface__['data'][0],
                                      'top': top[0].data.__array_interface__['data'][0]}


class Raises(strata.Layer):
    def reshape(self, bottom, top):
        top[0].reshape(*bottom[0].data.shape)

    def forward(self, bottom, top):
        raise ValueError('deliberate failure in forward')


class NoReshape(strata.Layer):
    def forward(self, bottom, top):
        pass


class Affine(strata.Layer):
    """top = w * bottom + b per feature, w and b learned: parameters a Python
    layer adds with self.blobs.add_blob, as in pycaffe."""

    def setup(self, bottom, top):
        features = bottom[0].data.shape[1]
        self.blobs.add_blob(features)
        self.blobs.add_blob(features)
        self.blobs[0].data[...] = 1
        self.blobs[1].data[...] = 0

    def reshape(self, bottom, top):
        top[0].reshape(*bottom[0].data.shape)

    def forward(self, bottom, top):
        top[0].data[...] = bottom[0].data * self.blobs[0].data + self.blobs[1].data

    def backward(self, top, propagate_down, bottom):
        self.blobs[0].diff[...] += (top[0].diff * bottom[0].data).sum(axis=0)
        self.blobs[1].diff[...] += top[0].diff.sum(axis=0)
        if propagate_down[0]:
            bottom[0].diff[...] = top[0].diff * self.blobs[0].data
