"""pycaffe's coord_map: how coordinates of one NetSpec top map to another's
through spatial layers, as (axis, a, b) with x_to = a * x_from + b, and
crop(), the Crop layer that aligns two tops (as FCN nets need)."""
import numpy as np

from .net_spec import layers as L

# Layers that keep every coordinate where it is.
PASS_THROUGH_LAYERS = ['AbsVal', 'BatchNorm', 'Bias', 'BNLL', 'Dropout', 'Eltwise', 'ELU',
                       'Log', 'LRN', 'Exp', 'MVN', 'Power', 'ReLU', 'PReLU', 'Scale',
                       'Sigmoid', 'Split', 'TanH', 'Threshold']


class UndefinedMapException(Exception):
    """The layer has no coordinate map (an InnerProduct, say)."""


class AxisMismatchException(Exception):
    """Two maps act on different axes."""


def conv_params(fn):
    """(axis, stride, effective kernel extent, pad) of a Convolution-like
    layer, each per spatial axis. Only square settings (no _h/_w fields)."""
    params = fn.params.get('convolution_param', fn.params)
    for field in ('pad_h', 'pad_w', 'kernel_h', 'kernel_w', 'stride_h', 'stride_w'):
        if field in params:
            raise UndefinedMapException('coord_map needs kernel_size, stride and pad, '
                                        'not %s' % field)
    axis = params.get('axis', 1)
    kernel = np.array(params['kernel_size'], ndmin=1)
    dilation = np.array(params.get('dilation', 1), ndmin=1)
    stride = np.array(params.get('stride', 1), ndmin=1)
    pad = np.array(params.get('pad', 0), ndmin=1)
    return axis, stride, (kernel - 1) * dilation + 1, pad


def crop_params(fn):
    params = fn.params.get('crop_param', fn.params)
    return params.get('axis', 2), np.array(params.get('offset', 0), ndmin=1)


def coord_map(fn):
    """The map from fn's top to its (first) bottom."""
    if fn.type_name in ('Convolution', 'Pooling', 'Im2col'):
        axis, stride, kernel, pad = conv_params(fn)
        return axis, 1 / stride, (pad - (kernel - 1) / 2) / stride
    if fn.type_name == 'Deconvolution':
        axis, stride, kernel, pad = conv_params(fn)
        return axis, stride, (kernel - 1) / 2 - pad
    if fn.type_name in PASS_THROUGH_LAYERS:
        return None, 1, 0
    if fn.type_name == 'Crop':
        axis, offset = crop_params(fn)
        # crop_param's axis counts the batch axis; the maps count from channels.
        return axis - 1, 1, -offset
    raise UndefinedMapException('no coordinate map through a %s layer' % fn.type_name)


def compose(base_map, next_map):
    """The map that applies base_map, then next_map."""
    axis1, a1, b1 = base_map
    axis2, a2, b2 = next_map
    if axis1 is None:
        axis = axis2
    elif axis2 is None or axis1 == axis2:
        axis = axis1
    else:
        raise AxisMismatchException('maps on axes %s and %s' % (axis1, axis2))
    return axis, a1 * a2, a1 * b2 + b1


def inverse(coord_map):
    axis, a, b = coord_map
    return axis, 1 / a, -b / a


def _bottoms(top):
    bottoms = top.fn.inputs
    # A Crop's second bottom only gives the size; coordinates follow the first.
    return bottoms[:1] if top.fn.type_name == 'Crop' else bottoms


def _maps_to_ancestors(top):
    """Yields (ancestor, map from top to it) outward from top, top first."""
    maps = {top: (None, 1, 0)}
    frontier = [top]
    yield top, maps[top]
    while frontier:
        current = frontier.pop()
        try:
            step = coord_map(current.fn)
        except UndefinedMapException:
            continue
        for bottom in _bottoms(current):
            if bottom not in maps:
                maps[bottom] = compose(maps[current], step)
                frontier.append(bottom)
                yield bottom, maps[bottom]


def coord_map_from_to(top_from, top_to):
    """(axis, a, b): a coordinate x of top_from is a * x + b in top_to,
    through their nearest common ancestor."""
    from_maps = dict(_maps_to_ancestors(top_from))
    for ancestor, to_map in _maps_to_ancestors(top_to):
        if ancestor in from_maps:
            return compose(to_map, inverse(from_maps[ancestor]))
    raise RuntimeError('cannot map between these tops; are they connected by spatial layers?')


def crop(top_from, top_to):
    """A Crop layer that cuts top_from to top_to's extent and alignment."""
    axis, a, b = coord_map_from_to(top_from, top_to)
    if np.any(a != 1):
        raise ValueError('the tops differ in scale (a = %s); crop needs a = 1' % (a,))
    if np.any(b > 0):
        raise ValueError('cannot crop a negative offset (b = %s)' % (b,))
    if np.any(np.round(b) != b):
        raise ValueError('cannot crop a fractional offset (b = %s)' % (b,))
    return L.Crop(top_from, top_to,
                  crop_param=dict(axis=axis + 1, offset=list(-np.round(b).astype(int))))
