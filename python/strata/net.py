"""pycaffe's Net conveniences (blobs, params, forward, backward, ...) on
Strata's Net, with pycaffe's names and behaviour."""
from collections import OrderedDict

import numpy as np

from ._strata import Blob, Net


def _blobs(self):
    """An OrderedDict of the net's blobs by name, in the net's order."""
    if not hasattr(self, '_blobs_cache'):
        self._blobs_cache = OrderedDict((name, self._blob(name)) for name in self._blob_names)
    return self._blobs_cache


def _layers(self):
    if not hasattr(self, '_layers_cache'):
        self._layers_cache = [self._layer(i) for i in range(len(self._layer_names))]
    return self._layers_cache


def _layer_dict(self):
    return OrderedDict(zip(self._layer_names, self.layers))


def _params(self):
    """An OrderedDict of each layer's parameter blobs, for layers that have some."""
    return OrderedDict((name, layer.blobs) for name, layer in zip(self._layer_names, self.layers)
                       if len(layer.blobs) > 0)


def _names(self, ids):
    return [self._blob_names[i] for i in ids]


def _inputs(self):
    return _names(self, self._inputs)


def _outputs(self):
    return _names(self, self._outputs)


def _top_names(self):
    return OrderedDict((name, _names(self, self._top_ids(i)))
                       for i, name in enumerate(self._layer_names))


def _bottom_names(self):
    return OrderedDict((name, _names(self, self._bottom_ids(i)))
                       for i, name in enumerate(self._layer_names))


def _blob_loss_weights(self):
    """An OrderedDict of each blob's weight in the loss (0 for most), by name."""
    return OrderedDict(zip(self._blob_names, self._blob_loss_weights))


def _layer_index(self, name):
    try:
        return list(self._layer_names).index(name)
    except ValueError:
        raise KeyError('net %r has no layer %r' % (self.name, name)) from None


def _as_float32(array, what):
    """array as float32, refused when the conversion would change a value
    (float64 beyond float32's precision, integers beyond 2^24, complex)."""
    array = np.asarray(array)
    if array.dtype == np.float32:
        return array
    if array.dtype.kind not in 'biuf':
        raise ValueError('%s: cannot take an array of %s; blobs hold float32' % (what, array.dtype))
    converted = array.astype(np.float32)
    if not np.array_equal(converted, array, equal_nan=array.dtype.kind == 'f'):
        raise ValueError('%s: the %s values do not all fit float32 exactly; convert them '
                         'yourself (array.astype(np.float32)) to accept the rounding' %
                         (what, array.dtype))
    return converted


def _assign(blob, field, array, what):
    array = _as_float32(array, what)
    if array.shape != tuple(blob.shape):
        raise ValueError('%s has shape %s; the blob is %s (reshape it first)' %
                         (what, array.shape, tuple(blob.shape)))
    getattr(blob, field)[...] = array


def _set_arrays(self, arrays, field, expected, what):
    if set(arrays) != set(expected):
        raise ValueError('%s arguments %s do not match the net\'s %s' %
                         (what, sorted(arrays), sorted(expected)))
    for name, array in arrays.items():
        blob = self.blobs[name]
        array = np.asarray(array)
        if array.ndim == 0 or array.shape[0] != blob.shape[0]:
            raise ValueError('%s %r has %d items; the blob %s holds %d (reshape it first)' %
                             (what, name, array.shape[0] if array.ndim else 0,
                              tuple(blob.shape), blob.shape[0]))
        _assign(blob, field, array, '%s %r' % (what, name))


def _forward(self, blobs=None, start=None, end=None, **kwargs):
    """Runs the net forward from layer `start` to layer `end` (names; default
    all), after copying the keyword arrays into the input blobs. Returns a
    dict of the outputs (or of `end` and `blobs`) by name."""
    blobs = list(blobs or [])
    start_ind = 0 if start is None else _layer_index(self, start)
    if end is None:
        end_ind = len(self.layers) - 1
        outputs = set(self.outputs + blobs)
    else:
        end_ind = _layer_index(self, end)
        outputs = set([end] + blobs)
    if kwargs:
        _set_arrays(self, kwargs, 'data', self.inputs, 'input')
    self._forward(start_ind, end_ind)
    return {name: self.blobs[name].data for name in outputs}


def _backward(self, diffs=None, start=None, end=None, **kwargs):
    """Runs the net backward from layer `start` to layer `end` (default all),
    after copying the keyword arrays into the output blobs' diffs. Returns a
    dict of the inputs' (or `end`'s and `diffs`') gradients by name."""
    diffs = list(diffs or [])
    start_ind = len(self.layers) - 1 if start is None else _layer_index(self, start)
    if end is None:
        end_ind = 0
        outputs = set(self.inputs + diffs)
    else:
        end_ind = _layer_index(self, end)
        outputs = set([end] + diffs)
    if kwargs:
        _set_arrays(self, kwargs, 'diff', self.outputs, 'output diff')
    self._backward(start_ind, end_ind)
    return {name: self.blobs[name].diff for name in outputs}


def _batches(self, arrays):
    """Splits each array of `arrays` into batches of the net's batch size,
    the last one padded with zeros."""
    batch = self.blobs[next(iter(arrays))].shape[0]
    total = len(next(iter(arrays.values())))
    for begin in range(0, total, batch):
        chunk = {}
        for name, array in arrays.items():
            part = np.asarray(array[begin:begin + batch])
            if len(part) < batch:
                pad = np.zeros((batch - len(part),) + part.shape[1:], dtype=np.float32)
                part = np.concatenate([part, pad])
            chunk[name] = part
        yield begin, min(batch, total - begin), chunk


def _forward_all(self, blobs=None, **kwargs):
    """forward over all the items of the keyword arrays, a batch at a time;
    returns each output (and each of `blobs`) for every item."""
    collected = {}
    for _, valid, chunk in _batches(self, kwargs):
        for name, value in self.forward(blobs=blobs, **chunk).items():
            collected.setdefault(name, []).append(np.copy(value[:valid]))
    return {name: np.concatenate(parts) for name, parts in collected.items()}


def _forward_backward_all(self, blobs=None, diffs=None, **kwargs):
    """forward and backward over all items; keyword arrays name inputs and
    output diffs. Returns (outputs, diffs), each concatenated over items."""
    inputs = {k: v for k, v in kwargs.items() if k in self.inputs}
    out_diffs = {k: v for k, v in kwargs.items() if k in self.outputs}
    forwards, backwards = {}, {}
    for begin, valid, chunk in _batches(self, inputs):
        for name, value in self.forward(blobs=blobs, **chunk).items():
            forwards.setdefault(name, []).append(np.copy(value[:valid]))
        diff_chunk = {}
        for name, array in out_diffs.items():
            part = np.asarray(array[begin:begin + valid], dtype=np.float32)
            size = self.blobs[name].shape[0]
            if len(part) < size:
                part = np.concatenate([part, np.zeros((size - len(part),) + part.shape[1:],
                                                      dtype=np.float32)])
            diff_chunk[name] = part
        for name, value in self.backward(diffs=diffs, **diff_chunk).items():
            backwards.setdefault(name, []).append(np.copy(value[:valid]))
    return ({k: np.concatenate(v) for k, v in forwards.items()},
            {k: np.concatenate(v) for k, v in backwards.items()})


Net.blobs = property(_blobs)
Net.layers = property(_layers)
Net.layer_dict = property(_layer_dict)
Net.params = property(_params)
Net.inputs = property(_inputs)
Net.outputs = property(_outputs)
Net.top_names = property(_top_names)
Net.bottom_names = property(_bottom_names)
Net.blob_loss_weights = property(_blob_loss_weights)
# blob.data = array (and .diff): a checked copy into the blob, where
# blob.data[...] = array is NumPy's own assignment.
Blob.data = property(Blob.data.fget, lambda blob, array: _assign(blob, 'data', array, 'blob.data'))
Blob.diff = property(Blob.diff.fget, lambda blob, array: _assign(blob, 'diff', array, 'blob.diff'))
Net.forward = _forward
Net.backward = _backward
Net.forward_all = _forward_all
Net.forward_backward_all = _forward_backward_all
