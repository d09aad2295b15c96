"""strata.io: Transformer, images, oversampling and proto conversions."""
import os

import numpy as np
import pytest

import strata as caffe
from strata.proto import caffe_pb2


def photo(fixtures):
    folder = os.path.join(fixtures, 'images', 'images')
    return os.path.join(folder, sorted(os.listdir(folder))[0])


def test_load_image_is_rgb_floats(fixtures):
    im = caffe.io.load_image(photo(fixtures))
    assert im.dtype == np.float32 and im.ndim == 3 and im.shape[2] == 3
    assert 0 <= im.min() and im.max() <= 1
    grey = caffe.io.load_image(photo(fixtures), color=False)
    assert grey.shape == im.shape[:2] + (1,)
    with pytest.raises(caffe.IoError):
        caffe.io.load_image(os.path.join(fixtures, 'no_such.jpg'))


def test_resize_image():
    im = np.arange(2 * 2 * 1, dtype=np.float32).reshape(2, 2, 1)
    big = caffe.io.resize_image(im, (4, 4))
    assert big.shape == (4, 4, 1)
    # Bilinear at pixel centres, edges repeated.
    np.testing.assert_allclose(big[:, :, 0], [[0, .25, .75, 1], [.5, .75, 1.25, 1.5],
                                              [1.5, 1.75, 2.25, 2.5], [2, 2.25, 2.75, 3]])
    near = caffe.io.resize_image(im, (4, 4), interp_order=0)
    assert set(near.flat) == {0, 1, 2, 3}


def test_transformer_round_trip_and_checks():
    t = caffe.io.Transformer({'data': (1, 3, 4, 5)})
    t.set_transpose('data', (2, 0, 1))
    t.set_channel_swap('data', (2, 1, 0))
    t.set_raw_scale('data', 255)
    t.set_mean('data', np.array([104., 117., 123.]))
    t.set_input_scale('data', 0.5)
    im = np.random.RandomState(3).rand(4, 5, 3).astype(np.float32)
    x = t.preprocess('data', im)
    assert x.shape == (3, 4, 5)
    np.testing.assert_allclose(x[0], (im[:, :, 2] * 255 - 104) * 0.5, rtol=1e-5)
    np.testing.assert_allclose(t.deprocess('data', x), im, atol=1e-5)
    # A larger image is resized to the input's size first.
    assert t.preprocess('data', np.zeros((8, 10, 3))).shape == (3, 4, 5)
    with pytest.raises(ValueError, match='not one of the net inputs'):
        t.preprocess('image', im)
    with pytest.raises(ValueError, match='channels'):
        t.set_mean('data', np.zeros(4))
    with pytest.raises(ValueError, match='transpose'):
        t.set_transpose('data', (1, 0))


def test_oversample_order():
    im = np.arange(6 * 6, dtype=np.float32).reshape(6, 6, 1)
    crops = caffe.io.oversample([im], (4, 4))
    assert crops.shape == (10, 4, 4, 1)
    assert crops[0, 0, 0, 0] == 0 and crops[1, 0, 0, 0] == 2 and crops[2, 0, 0, 0] == 12
    assert crops[4, 0, 0, 0] == im[1, 1, 0]
    np.testing.assert_array_equal(crops[5], crops[0][:, ::-1])


def test_proto_conversions():
    arr = np.random.RandomState(4).rand(2, 3, 4, 5).astype(np.float32)
    blob = caffe.io.array_to_blobproto(arr, diff=arr * 2)
    np.testing.assert_array_equal(caffe.io.blobproto_to_array(blob), arr)
    np.testing.assert_array_equal(caffe.io.blobproto_to_array(blob, return_diff=True), arr * 2)
    legacy = caffe_pb2.BlobProto(num=1, channels=2, height=1, width=3, data=range(6))
    assert caffe.io.blobproto_to_array(legacy).shape == (1, 2, 1, 3)
    pixels = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    datum = caffe.io.array_to_datum(pixels, label=7)
    assert datum.label == 7 and datum.data == pixels.tobytes()
    np.testing.assert_array_equal(caffe.io.datum_to_array(datum), pixels)
    floats = caffe.io.array_to_datum(pixels.astype(np.float32) / 2)
    np.testing.assert_array_equal(caffe.io.datum_to_array(floats), pixels / 2.)
    with pytest.raises(ValueError, match='3-axis'):
        caffe.io.array_to_datum(np.zeros((2, 2)))
