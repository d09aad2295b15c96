"""A Python data layer: batches of points scattered around one centre per
class, and their labels. param_str is JSON: {"batch": B, "dims": D, "classes": K}."""
import json

import numpy as np

import strata


class Clusters(strata.Layer):
    def setup(self, bottom, top):
        p = json.loads(self.param_str)
        self.batch, self.dims, self.classes = p['batch'], p['dims'], p['classes']
        self.rng = np.random.RandomState(p.get('seed', 1701))
        self.centres = self.rng.randn(self.classes, self.dims) * 2

    def reshape(self, bottom, top):
        top[0].reshape(self.batch, self.dims)
        top[1].reshape(self.batch)

    def forward(self, bottom, top):
        labels = self.rng.randint(self.classes, size=self.batch)
        # Written straight into the net's memory: nothing is copied.
        top[0].data[...] = self.centres[labels] + self.rng.randn(self.batch, self.dims)
        top[1].data[...] = labels
