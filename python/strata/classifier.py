"""pycaffe's Classifier: a Net that takes images (H x W x K floats, as
io.load_image gives), resizes them, crops them (the centre, or ten crops
averaged) and returns the class probabilities."""
import numpy as np

from . import io
from ._strata import TEST, Net


def image_transformer(net, mean, input_scale, raw_scale, channel_swap):
    """The Transformer of net's first input for H x W x K images, set up as
    pycaffe's Classifier and Detector take their arguments."""
    in_ = net.inputs[0]
    transformer = io.Transformer({in_: net.blobs[in_].data.shape})
    transformer.set_transpose(in_, (2, 0, 1))
    if mean is not None:
        transformer.set_mean(in_, mean)
    if input_scale is not None:
        transformer.set_input_scale(in_, input_scale)
    if raw_scale is not None:
        transformer.set_raw_scale(in_, raw_scale)
    if channel_swap is not None:
        transformer.set_channel_swap(in_, channel_swap)
    return transformer


class Classifier(Net):
    def __init__(self, model_file, pretrained_file, image_dims=None, mean=None,
                 input_scale=None, raw_scale=None, channel_swap=None):
        Net.__init__(self, model_file, pretrained_file, TEST)
        self.transformer = image_transformer(self, mean, input_scale, raw_scale, channel_swap)
        in_ = self.inputs[0]
        self.crop_dims = np.array(self.blobs[in_].data.shape[2:])
        self.image_dims = np.array(image_dims if image_dims is not None else self.crop_dims)

    def predict(self, inputs, oversample=True):
        """Probabilities (N x classes) for N images: each resized to
        image_dims, then its centre crop or (oversample) its ten crops,
        whose predictions are averaged."""
        resized = np.array([io.resize_image(im, self.image_dims) for im in inputs],
                           dtype=np.float32)
        if oversample:
            crops = io.oversample(resized, self.crop_dims)
        else:
            top = ((self.image_dims - self.crop_dims) // 2).astype(int)
            crops = resized[:, top[0]:top[0] + self.crop_dims[0],
                            top[1]:top[1] + self.crop_dims[1], :]
        in_ = self.inputs[0]
        caffe_in = np.array([self.transformer.preprocess(in_, crop) for crop in crops],
                            dtype=np.float32)
        predictions = self.forward_all(**{in_: caffe_in})[self.outputs[0]]
        if oversample:
            predictions = predictions.reshape(len(predictions) // 10, 10, -1).mean(axis=1)
        return predictions
