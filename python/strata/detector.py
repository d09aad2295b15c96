"""pycaffe's Detector: a Net that classifies windows of images (R-CNN style).
A window is (ymin, xmin, ymax, xmax) in pixels; with context_pad, each crop
takes that many pixels of the surrounding image at the net's input size, and
what falls outside the image is filled with the mean."""
import numpy as np

from . import io
from ._strata import TEST, Net
from .classifier import image_transformer


class Detector(Net):
    def __init__(self, model_file, pretrained_file, mean=None, input_scale=None,
                 raw_scale=None, channel_swap=None, context_pad=None):
        Net.__init__(self, model_file, pretrained_file, TEST)
        self.transformer = image_transformer(self, mean, input_scale, raw_scale, channel_swap)
        self.configure_crop(context_pad)

    def detect_windows(self, images_windows):
        """[(image file, [window, ...]), ...] -> one dict per window with its
        'window', 'prediction' (the first output's row) and 'filename'."""
        crops = []
        for filename, windows in images_windows:
            image = io.load_image(filename).astype(np.float32)
            crops.extend(self.crop(image, window) for window in windows)
        if not crops:
            return []
        in_ = self.inputs[0]
        batch = np.array([self.transformer.preprocess(in_, crop) for crop in crops],
                         dtype=np.float32)
        predictions = self.forward_all(**{in_: batch})[self.outputs[0]]
        detections = []
        for filename, windows in images_windows:
            for window in windows:
                detections.append({'window': window, 'prediction': predictions[len(detections)],
                                   'filename': filename})
        return detections

    def detect_selective_search(self, image_fnames):
        raise RuntimeError('detect_selective_search needs the selective_search_ijcv_with_python '
                           'package (MATLAB), which Strata does not ship; compute the windows '
                           'yourself and call detect_windows')

    def crop(self, im, window):
        """The window of image `im` (H x W x K), with context when configured."""
        window = np.asarray(window)
        if not self.context_pad:
            return im[int(window[0]):int(window[2]), int(window[1]):int(window[3])]
        size = self.crop_dims[0]
        # Grow the box about its centre so that, scaled to the input, the
        # window itself leaves context_pad pixels on each side.
        scale = size / (1.0 * size - 2 * self.context_pad)
        half = np.array([window[2] - window[0] + 1, window[3] - window[1] + 1]) / 2.0
        centre = window[:2] + half
        box = np.round(np.tile(centre, 2) + scale * np.concatenate([-half, half]))
        scale_hw = size / (box[2:] - box[:2] + 1)
        pad = np.round(np.maximum(0, -box[:2]) * scale_hw).astype(int)
        height, width = im.shape[:2]
        box = np.clip(box, 0.0, [height, width, height, width])
        context = im[int(box[0]):int(box[2]), int(box[1]):int(box[3])]
        if context.size == 0:
            raise ValueError('window %s lies outside the %dx%d image' % (list(window), height,
                                                                         width))
        dims = np.minimum(np.round((box[2:] - box[:2] + 1) * scale_hw).astype(int), size - pad)
        result = np.ones(self.crop_dims, dtype=np.float32) * self.crop_mean
        result[pad[0]:pad[0] + dims[0], pad[1]:pad[1] + dims[1]] = io.resize_image(context, dims)
        return result

    def configure_crop(self, context_pad):
        """Sets the padding and the mean that fills crops beyond the image."""
        in_ = self.inputs[0]
        transpose = self.transformer.transpose[in_]
        inverse = [transpose[t] for t in transpose]
        self.crop_dims = np.array(self.blobs[in_].data.shape[1:])[inverse]
        self.context_pad = context_pad
        if not context_pad:
            return
        mean = self.transformer.mean.get(in_)
        if mean is None:
            self.crop_mean = np.zeros(self.crop_dims, dtype=np.float32)
            return
        # The mean (K x 1 x 1 or K x H x W) in the image's layout: untransposed,
        # channels unswapped, in the image's range.
        crop_mean = np.array(mean, dtype=np.float32).transpose(inverse)
        order = self.transformer.channel_swap.get(in_)
        if order is not None:
            crop_mean = crop_mean[:, :, [list(order).index(i) for i in range(crop_mean.shape[2])]]
        raw_scale = self.transformer.raw_scale.get(in_)
        if raw_scale is not None:
            crop_mean /= raw_scale
        self.crop_mean = crop_mean
