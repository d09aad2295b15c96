"""strata.Layer: the base of Python layers (type "Python" in a net, with
python_param { module: "..." layer: "ClassName" param_str: "..." })."""
from ._strata import TRAIN


class Layer(object):
    """Override setup (once), reshape (before every forward: shape the tops
    with top[i].reshape(...)), forward and backward. bottom and top are lists
    of Blobs; their .data and .diff are NumPy views of the net's memory, so
    write into them (top[0].data[...] = ...). self.param_str holds
    python_param.param_str and self.phase the net's phase, both set before
    setup."""
    param_str = ''
    phase = TRAIN

    def setup(self, bottom, top):
        pass

    def reshape(self, bottom, top):
        pass

    def forward(self, bottom, top):
        raise NotImplementedError('%s.forward' % type(self).__name__)

    def backward(self, top, propagate_down, bottom):
        pass
