"""pycaffe's caffe.io: Transformer (a net input's preprocessing), images,
oversampling and the conversions between arrays and Caffe's protos.

Images are decoded by Strata's own reader (OpenCV, as its data layers do)
instead of scikit-image, and resized bilinearly with edge pixels repeated;
load_image's grey conversion therefore uses OpenCV's weights."""
import numpy as np

from . import _strata
from .proto import caffe_pb2


def blobproto_to_array(blob, return_diff=False):
    """The blob's data (or diff) as an array of its shape (either form)."""
    values = np.array(blob.diff if return_diff else blob.data, dtype=np.float32)
    if blob.HasField('num') or blob.HasField('channels') or blob.HasField('height') or \
            blob.HasField('width'):
        return values.reshape(blob.num, blob.channels, blob.height, blob.width)
    return values.reshape(tuple(blob.shape.dim))


def array_to_blobproto(arr, diff=None):
    """A BlobProto holding arr (and diff, of the same shape)."""
    blob = caffe_pb2.BlobProto()
    blob.shape.dim.extend(arr.shape)
    blob.data.extend(np.asarray(arr, dtype=np.float32).flat)
    if diff is not None:
        blob.diff.extend(np.asarray(diff, dtype=np.float32).flat)
    return blob


def array_to_datum(arr, label=None):
    """A Datum of a C x H x W array: bytes for uint8, float_data otherwise."""
    if arr.ndim != 3:
        raise ValueError('array_to_datum needs a 3-axis array (C x H x W), got shape %s' %
                         (arr.shape,))
    datum = caffe_pb2.Datum()
    datum.channels, datum.height, datum.width = arr.shape
    if arr.dtype == np.uint8:
        datum.data = arr.tobytes()
    else:
        datum.float_data.extend(arr.astype(np.float32).flat)
    if label is not None:
        datum.label = label
    return datum


def datum_to_array(datum):
    """The Datum's values as a C x H x W array (uint8 for byte data)."""
    shape = (datum.channels, datum.height, datum.width)
    if len(datum.data):
        return np.frombuffer(datum.data, dtype=np.uint8).reshape(shape)
    return np.array(datum.float_data, dtype=np.float32).reshape(shape)


def load_image(filename, color=True):
    """An image file as H x W x 3 (RGB) or H x W x 1 floats in [0, 1]."""
    pixels = _strata._read_image(filename, color)  # C x H x W, BGR or grey
    image = pixels.transpose(1, 2, 0).astype(np.float32) / 255.
    return image[:, :, ::-1].copy() if color else image


def resize_image(im, new_dims, interp_order=1):
    """im (H x W x K) resized to new_dims (height, width): bilinear
    (interp_order 1) or nearest (0), sampling at pixel centres."""
    if interp_order not in (0, 1):
        raise ValueError('resize_image supports interp_order 0 and 1, not %r' % (interp_order,))
    im = np.asarray(im, dtype=np.float32)
    height, width = int(new_dims[0]), int(new_dims[1])
    if im.shape[:2] == (height, width):
        return im.copy()

    def coords(out_size, in_size):
        c = (np.arange(out_size) + 0.5) * (in_size / float(out_size)) - 0.5
        return np.clip(c, 0, in_size - 1)
    ys, xs = coords(height, im.shape[0]), coords(width, im.shape[1])
    if interp_order == 0:
        return im[np.rint(ys).astype(int)][:, np.rint(xs).astype(int)]
    y0 = np.floor(ys).astype(int)
    x0 = np.floor(xs).astype(int)
    y1 = np.minimum(y0 + 1, im.shape[0] - 1)
    x1 = np.minimum(x0 + 1, im.shape[1] - 1)
    wy = (ys - y0)[:, None, None]
    wx = (xs - x0)[None, :, None]
    top = im[y0][:, x0] * (1 - wx) + im[y0][:, x1] * wx
    bottom = im[y1][:, x0] * (1 - wx) + im[y1][:, x1] * wx
    return (top * (1 - wy) + bottom * wy).astype(np.float32)


def oversample(images, crop_dims):
    """Ten crops of each H x W x K image, as pycaffe orders them: top-left,
    top-right, bottom-left, bottom-right and centre, then the same five
    mirrored left to right."""
    ch, cw = int(crop_dims[0]), int(crop_dims[1])
    out = []
    for im in images:
        h, w = im.shape[:2]
        origins = [(0, 0), (0, w - cw), (h - ch, 0), (h - ch, w - cw),
                   ((h - ch) // 2, (w - cw) // 2)]
        crops = [im[y:y + ch, x:x + cw, :] for y, x in origins]
        out.extend(crops + [c[:, ::-1, :] for c in crops])
    return np.array(out, dtype=np.float32).reshape(-1, ch, cw, images[0].shape[-1])


class Transformer(object):
    """Turns images (H x W x K floats, as load_image gives) into a net
    input's layout and back: resize to the input's size, then transpose,
    channel swap, raw scale, mean subtraction and input scale, each set per
    input. `inputs` maps input names to their shapes (net.blobs[name].data.shape)."""

    def __init__(self, inputs):
        self.inputs = {name: tuple(shape) for name, shape in inputs.items()}
        self.transpose = {}
        self.channel_swap = {}
        self.raw_scale = {}
        self.mean = {}
        self.input_scale = {}

    def _check_input(self, in_):
        if in_ not in self.inputs:
            raise ValueError('%r is not one of the net inputs: %s' % (in_, sorted(self.inputs)))

    def preprocess(self, in_, data):
        self._check_input(in_)
        caffe_in = np.asarray(data).astype(np.float32, copy=True)
        in_dims = self.inputs[in_][2:]
        if caffe_in.shape[:2] != in_dims:
            caffe_in = resize_image(caffe_in, in_dims)
        if in_ in self.transpose:
            caffe_in = caffe_in.transpose(self.transpose[in_])
        if in_ in self.channel_swap:
            caffe_in = caffe_in[self.channel_swap[in_], :, :]
        if in_ in self.raw_scale:
            caffe_in *= self.raw_scale[in_]
        if in_ in self.mean:
            caffe_in -= self.mean[in_]
        if in_ in self.input_scale:
            caffe_in *= self.input_scale[in_]
        return caffe_in

    def deprocess(self, in_, data):
        """The inverse of preprocess (without the resize)."""
        self._check_input(in_)
        decaf_in = np.array(data, dtype=np.float32).squeeze()
        if in_ in self.input_scale:
            decaf_in /= self.input_scale[in_]
        if in_ in self.mean:
            decaf_in += self.mean[in_]
        if in_ in self.raw_scale:
            decaf_in /= self.raw_scale[in_]
        if in_ in self.channel_swap:
            decaf_in = decaf_in[np.argsort(self.channel_swap[in_]), :, :]
        if in_ in self.transpose:
            decaf_in = decaf_in.transpose(np.argsort(self.transpose[in_]))
        return decaf_in

    def set_transpose(self, in_, order):
        self._check_input(in_)
        if len(order) != len(self.inputs[in_]) - 1:
            raise ValueError('transpose order %s needs one axis per input axis after the batch '
                             '(%d)' % (tuple(order), len(self.inputs[in_]) - 1))
        self.transpose[in_] = order

    def set_channel_swap(self, in_, order):
        self._check_input(in_)
        if len(order) != self.inputs[in_][1]:
            raise ValueError('channel swap %s needs one entry per input channel (%d)' %
                             (tuple(order), self.inputs[in_][1]))
        self.channel_swap[in_] = order

    def set_raw_scale(self, in_, scale):
        self._check_input(in_)
        self.raw_scale[in_] = scale

    def set_mean(self, in_, mean):
        """Per channel (a K vector) or per pixel (K x H x W)."""
        self._check_input(in_)
        mean = np.asarray(mean, dtype=np.float32)
        if mean.ndim == 1:
            if mean.shape[0] != self.inputs[in_][1]:
                raise ValueError('mean has %d channels; input %r has %d' %
                                 (mean.shape[0], in_, self.inputs[in_][1]))
            mean = mean[:, np.newaxis, np.newaxis]
        else:
            shape = mean.shape if mean.ndim != 2 else (1,) + mean.shape
            if len(shape) != 3 or shape != self.inputs[in_][1:]:
                raise ValueError('mean shape %s does not fit input %r of shape %s' %
                                 (mean.shape, in_, self.inputs[in_]))
            mean = mean.reshape(shape)
        self.mean[in_] = mean

    def set_input_scale(self, in_, scale):
        self._check_input(in_)
        self.input_scale[in_] = scale
